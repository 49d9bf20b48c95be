// sw.js - the page's service worker: precaches the page, its scripts, the three engine builds
// (.js glue and .wasm; the threads build's worker script) and the Experiment mode's data, so that
// after the first visit everything works with the network off. It also gives every response the
// cross-origin isolation headers (COOP same-origin, COEP require-corp), so that on a static host
// without header control the page is isolated from the first load it controls, and icarl.js can
// run the threads engine (SharedArrayBuffer) there.
// Cache-first from one versioned cache; bump VERSION whenever a cached file changes, and the next
// visit installs the new set and drops the old cache. Nothing else is cached; nothing is sent.
const VERSION = 'icarl-page-v19';
const FILES = [
  './', 'index.html', 'style.css', 'manifest.webmanifest',
  'dom.js', 'format.js', 'background-worker.js', 'worker-jobs.js', 'mode-tabs.js',
  'app.js', 'webcam-elements.js', 'class-state.js', 'saving.js', 'camera-panel.js', 'camera.js',
  'recording.js', 'class-edits.js', 'class-cards.js', 'thumbnails.js', 'training.js', 'time-left.js',
  'prediction.js', 'memory-view.js', 'model-section.js', 'isolation-reload.js', 'store.js', 'worker.js', 'icarl.js',
  'experiment.js', 'experiment-page.js', 'experiment-charts.js', 'experiment-worker.js',
  'icarl-engine-simd.js', 'icarl-engine-simd.wasm', 'icarl-engine-scalar.js', 'icarl-engine-scalar.wasm',
  'icarl-engine-simd-threads.js', 'icarl-engine-simd-threads.wasm', 'icarl-engine-simd-threads.worker.js',
  'starter.icarl',
];
// The Experiment mode's data is made by build.sh from an optional Debian package: cached once the
// worker is active (or on its first successful fetch), never a reason to fail the install, and not
// part of it: the first visit waits for the install before its one isolation reload
// (isolation-reload.js), and this file is the largest.
const OPTIONAL_FILES = ['data/fashion-subset.bin'];

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
  // After activation, not awaited by it: pages are controlled (and fetch) meanwhile.
  caches.open(VERSION).then(async (cache) => {
    for (const file of OPTIONAL_FILES) {
      if (!(await cache.match(file))) await cache.add(new Request(file, { cache: 'reload' })).catch(() => {});
    }
  });
});

// The same response with the isolation headers added. Same-origin responses only (the fetch
// handler passes others through untouched); an opaque or error response is returned as it is.
function isolated(response) {
  if (!response || response.type === 'opaque' || response.type === 'error' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    // ignoreSearch: index.html?epochs=3 is the same page.
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return isolated(cached);
    const response = await fetch(request);
    const path = new URL(request.url).pathname;
    if (response.ok && OPTIONAL_FILES.some((file) => path.endsWith(`/${file}`))) await cache.put(request, response.clone());
    return isolated(response);
  })());
});
