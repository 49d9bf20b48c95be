#!/usr/bin/env node
// serve.mjs - a tiny static HTTP server for the page in web/ (no npm dependency): correct MIME
// types (.wasm as exactly application/wasm, which instantiateStreaming requires), no directory
// listings, nothing outside web/, and cross-origin isolation headers (COOP same-origin, COEP
// require-corp) on every response, so the page may use SharedArrayBuffer and web/icarl.js picks
// the threads engine. For local use and the browser tests, not for production.
//   node build-scripts/serve.mjs [--port N] [--host H] [--no-isolation]
//   (PORT env also works; 0 = a free port; --no-isolation serves like a static host without header
//   control, where only the page's service worker can add the headers)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export const defaultRoot = fileURLToPath(new URL('../web/', import.meta.url));

// A document served with both is cross-origin isolated (crossOriginIsolated, SharedArrayBuffer);
// its workers need them on their scripts too, hence on every response. CORP lets an isolated
// page of another origin embed nothing of ours by accident.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Starts serving `root`; resolves to {server, port, url}. port 0 picks a free port. isolation
 * false leaves out the cross-origin isolation headers (a static host without header control). */
export function startServer({ root = defaultRoot, port = 8000, host = 'localhost', quiet = true, isolation = true } = {}) {
  const base = resolve(root);
  const server = createServer(async (request, response) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      let path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) {
        response.writeHead(403).end('forbidden');
        return;
      }
      const info = await stat(file).catch(() => null);
      if (!info || !info.isFile()) {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      const body = await readFile(file);
      response.writeHead(200, {
        'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': body.length,
        // The service worker does the offline caching; the HTTP cache must not keep an old
        // sw.js or engine around while developing.
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        ...(isolation ? ISOLATION_HEADERS : {}),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
      if (!quiet) console.log(`${request.method} ${request.url} 200`);
    } catch (error) {
      response.writeHead(500).end(String(error?.message ?? error));
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({ server, port: actual, url: `http://${host}:${actual}/` });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = Number(option('--port') ?? process.env.PORT ?? 8000);
  const host = option('--host') ?? process.env.HOST ?? 'localhost';
  try {
    const { url } = await startServer({ port, host, quiet: !args.includes('--verbose'), isolation: !args.includes('--no-isolation') });
    console.log(`Serving web/ at ${url}  (Ctrl+C to stop)`);
  } catch (error) {
    console.error(`serve.mjs: cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  }
}
