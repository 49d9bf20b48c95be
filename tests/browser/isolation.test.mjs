// isolation.test.mjs - cross-origin isolation and the threads engine in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, fake camera):
//   1. served with COOP/COEP (build-scripts/serve.mjs): the page is crossOriginIsolated, its
//      training worker runs the 'simd-threads' engine, and the page's own learner (one frame at a
//      time on the main thread) the single-thread 'simd' one: the main thread loads nothing of the
//      threads build and starts no pthread workers;
//   2. served like a static host without header control (serve.mjs isolation: false): the first
//      load is not isolated and falls back to the single-thread 'simd' engine (and still trains);
//      once the service worker controls the page it adds the headers itself, so the reload is
//      isolated and its training worker runs the threads engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../build-scripts/serve.mjs';
import { addClass, chromiumAvailable, holdToRecord, launch, sceneA, writeY4m } from './fake-camera.mjs';

const skip = chromiumAvailable ? false : 'no Chromium at /usr/bin/chromium (run build-scripts/setup.sh)';
let dir;
let video;
const servers = [];
const contexts = new Set(); // closed in after() too, so a failing test never leaves Chromium running

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-isolation-'));
  video = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  for (const { server } of servers) server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(url, profile) {
  const context = await launch(join(dir, profile), video);
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(`${url}?epochs=2`);
  await waitReady(page);
  return { context, page, errors };
}

async function waitReady(page) {
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true', 'the page started');
}

/** {isolated, flavour, threads} of the page's own learner. */
function engineState(page) {
  return page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    flavour: window.icarlPage.learner.engineFlavour,
    threads: window.icarlPage.learner.threads,
  }));
}

/** What the page's main thread itself loaded of the threads build: its pthread workers (Playwright
 * lists the page's dedicated workers; the threads engine starts its pool when it loads) and the
 * files in the main thread's resource timing (a worker's own fetches are in its own timeline). */
async function mainThreadThreadsBuild(page) {
  const workers = page.workers().map((worker) => new URL(worker.url()).pathname).filter((path) => path.includes('simd-threads'));
  const files = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname).filter((path) => path.includes('simd-threads')));
  return { workers, files };
}

/** Records about a second of class `name` from the fake camera, trains one step, and returns the
 * status line, which names the engine the training worker ran. */
async function teachAndTrain(page, name) {
  await addClass(page, name);
  await holdToRecord(page, name, () => page.waitForTimeout(1000));
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^(Trained|Training failed|Could not)/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  const status = await page.locator('#train-status').textContent();
  assert.match(status, /^Trained/, status);
  return status;
}

test('served with COOP/COEP: the page is cross-origin isolated, trains on the threads engine and classifies on the single-thread one', { skip, timeout: 240_000 }, async (t) => {
  const served = await startServer({ port: 0 });
  servers.push(served);
  const { context, page, errors } = await open(served.url, 'profile-headers');
  const state = await engineState(page);
  t.diagnostic(`isolated ${state.isolated}, page engine ${state.flavour} with ${state.threads} threads`);
  assert.equal(state.isolated, true, 'crossOriginIsolated');
  assert.equal(state.flavour, 'simd', 'the main thread classifies single frames on the single-thread SIMD engine');
  assert.equal(state.threads, 1);
  assert.deepEqual(await mainThreadThreadsBuild(page), { workers: [], files: [] }, 'the main thread started no pthread pool');
  const status = await teachAndTrain(page, 'A');
  assert.match(status, /\(simd-threads engine\)/, 'the training worker ran the threads engine');
  const after = await engineState(page);
  assert.equal(after.flavour, 'simd', 'the trained checkpoint came back into a single-thread learner');
  await page.waitForFunction(() => window.icarlPage.stats.classifyMs > 0, null, { timeout: 10_000 }); // it predicts with it
  assert.deepEqual((await mainThreadThreadsBuild(page)).files, [], 'and the main thread still loaded nothing of the threads build');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a static host without the headers: single-thread SIMD at first, isolated once the service worker controls the page', { skip, timeout: 300_000 }, async (t) => {
  const served = await startServer({ port: 0, isolation: false });
  servers.push(served);
  const { context, page, errors } = await open(served.url, 'profile-static');
  const first = await engineState(page);
  t.diagnostic(`first load: isolated ${first.isolated}, engine ${first.flavour}`);
  assert.equal(first.isolated, false, 'no headers, no service worker yet: not isolated');
  assert.equal(first.flavour, 'simd', 'the fallback is the single-thread SIMD engine');
  assert.equal(first.threads, 1);
  assert.match(await teachAndTrain(page, 'A'), /\(simd engine\)/, 'the fallback trains');

  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await page.reload();
  await waitReady(page);
  const second = await engineState(page);
  t.diagnostic(`after the service worker took over: isolated ${second.isolated}, engine ${second.flavour} with ${second.threads} threads`);
  assert.equal(second.isolated, true, 'the service worker added COOP/COEP');
  assert.equal(second.flavour, 'simd', 'the page\'s own learner stays single-thread');
  assert.match(await teachAndTrain(page, 'B'), /\(simd-threads engine\)/, 'the training worker runs the threads engine');
  assert.deepEqual(errors, []);
  await context.close();
});
