// sw.js - the page's service worker: precaches the page, its scripts and both engine builds
// (.js glue and .wasm) so that after the first visit everything works with the network off.
// Cache-first from one versioned cache; bump VERSION whenever a cached file changes, and the next
// visit installs the new set and drops the old cache. Nothing else is cached; nothing is sent.
const VERSION = 'icarl-page-v3';
const FILES = [
  './', 'index.html', 'style.css', 'manifest.webmanifest',
  'app.js', 'camera.js', 'store.js', 'worker.js', 'checkpoint-edit.js', 'icarl.js',
  'icarl-engine-simd.js', 'icarl-engine-simd.wasm', 'icarl-engine-scalar.js', 'icarl-engine-scalar.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    // cache: 'reload' bypasses the HTTP cache, so a new version never precaches stale files.
    await cache.addAll(FILES.map((file) => new Request(file, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    // ignoreSearch: index.html?epochs=3 is the same page.
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    return fetch(request);
  })());
});
