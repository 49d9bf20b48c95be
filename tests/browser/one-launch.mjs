// one-launch.mjs - the setup several browser tests share: a temporary folder, a fake camera playing
// scene A (fake-camera.mjs), the page served by build-scripts/serve.mjs, and one Chromium launch
// with a profile of its own, all removed after the file's tests. Not a test file itself (node
// --test picks only *.test.mjs).
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../build-scripts/serve.mjs';
import { browserMissing, launch, sceneA, writeY4m } from './fake-camera.mjs';

/** Registers the before/after hooks; returns {url, context, page()} filled in by before().
 * singleThread: served without the COOP/COEP headers and with the page's reload into isolation
 * switched off (its once-per-tab guard set), so the training worker runs the single-thread engine,
 * whose speed follows the machine's load more smoothly than a pool of threads on busy cores. */
export function oneLaunch(name, { singleThread = false } = {}) {
  const launched = { url: null, context: null, page: async () => launched.context.pages()[0] ?? launched.context.newPage() };
  let dir;
  let server;
  before(async () => {
    if (browserMissing) return;
    dir = mkdtempSync(join(tmpdir(), `icarl-${name}-`));
    const video = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
    server = await startServer({ port: 0, isolation: !singleThread });
    launched.url = server.url;
    launched.context = await launch(join(dir, 'profile'), video);
    if (singleThread) await launched.context.addInitScript(() => sessionStorage.setItem('icarl-isolation-reload', 'test'));
  });
  after(async () => {
    await launched.context?.close().catch(() => {});
    server?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return launched;
}
