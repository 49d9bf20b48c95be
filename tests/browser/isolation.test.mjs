// isolation.test.mjs - cross-origin isolation and the threads engine in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, fake camera):
//   1. served with COOP/COEP (build-scripts/serve.mjs): the page is crossOriginIsolated, its
//      training worker runs the 'simd-threads' engine, and the page's own learner (one frame at a
//      time on the main thread) the single-thread 'simd' one: the main thread loads nothing of the
//      threads build and starts no pthread workers;
//   2. served like a static host without header control (serve.mjs isolation: false): the first
//      load is not isolated; once the service worker controls it (and adds the headers itself)
//      the page reloads itself, once, and is isolated: its training worker runs the threads engine;
//   3. the same host, with a service worker whose headers give no isolation (a copy of web/ whose
//      sw.js adds none; like a browser that ignores them): the page reloads once, the
//      sessionStorage guard stops a second reload, and it trains on the single-thread engine.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRoot, startServer } from '../../build-scripts/serve.mjs';
import { needing } from '../node/prerequisites.mjs';
import { addClass, browserMissing, launch, recordSamples, sceneA, writeY4m } from './fake-camera.mjs';

const { test } = needing(browserMissing);
let dir;
let video;
const servers = [];
const contexts = new Set(); // closed in after() too, so a failing test never leaves Chromium running

before(() => {
  if (browserMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-isolation-'));
  video = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  for (const { server } of servers) server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs before the page's scripts in every document: notes each load of the tab (isolated or not,
// controlled by the service worker or not, a navigation or a reload) in sessionStorage.
function logLoad() {
  try {
    const loads = JSON.parse(sessionStorage.getItem('test-loads') ?? '[]');
    loads.push({ isolated: self.crossOriginIsolated, controlled: navigator.serviceWorker?.controller != null, type: performance.getEntriesByType('navigation')[0]?.type });
    sessionStorage.setItem('test-loads', JSON.stringify(loads));
  } catch {
    // about:blank has no sessionStorage
  }
}

/** Opens the page in a fresh profile; waits until it started unless `ready` is false (a page
 * that is expected to reload itself). */
async function open(url, profile, { ready = true } = {}) {
  const context = await launch(join(dir, profile), video);
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  await context.addInitScript(logLoad);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(`${url}?epochs=2`);
  if (ready) await waitReady(page);
  return { context, page, errors };
}

/** Polls `predicate` in the page until it is true, across the page's own reloads (an evaluate
 * that meets a navigation fails, and is simply tried again in the next document). */
async function waitInPage(page, predicate, what, timeout = 90_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The loads of this tab so far, as [isolated, controlled, navigation type]. */
async function loadsOf(page) {
  const loads = await page.evaluate(() => JSON.parse(sessionStorage.getItem('test-loads') ?? '[]'));
  return loads.map((load) => [load.isolated, load.controlled, load.type]);
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

/** Records 10 frames of class `name` from the fake camera, trains one step, and returns the
 * step's details line, which names the engine the training worker ran. */
async function teachAndTrain(page, name) {
  await addClass(page, name);
  await recordSamples(page, name, 10);
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^(Trained|Training failed|Could not)/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  const status = await page.locator('#train-status').textContent();
  assert.match(status, /^Trained/, status);
  return page.locator('#train-detail').textContent();
}

test('served with COOP/COEP: the page is cross-origin isolated, trains on the threads engine and classifies on the single-thread one', { timeout: 240_000 }, async (t) => {
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
  assert.match(status, / simd-threads engine/, 'the training worker ran the threads engine');
  const after = await engineState(page);
  assert.equal(after.flavour, 'simd', 'the trained checkpoint came back into a single-thread learner');
  // It predicts with it: the camera shows class A.
  await page.waitForFunction(() => document.querySelector('[role="region"][aria-label="Prediction"]').innerText.trim().startsWith('A'), null, { timeout: 30_000 });
  assert.deepEqual((await mainThreadThreadsBuild(page)).files, [], 'and the main thread still loaded nothing of the threads build');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a static host without the headers: the first visit reloads itself once the service worker controls it, and is isolated', { timeout: 300_000 }, async (t) => {
  const served = await startServer({ port: 0, isolation: false });
  servers.push(served);
  const { context, page, errors } = await open(served.url, 'profile-static', { ready: false });
  // No reload from the test: the page does it when the service worker takes over.
  await waitInPage(page, () => self.crossOriginIsolated && document.body.dataset.ready === 'true', 'an isolated, started page');
  const loads = await loadsOf(page);
  t.diagnostic(`loads [isolated, controlled, type]: ${JSON.stringify(loads)}`);
  assert.deepEqual(loads, [[false, false, 'navigate'], [true, true, 'reload']], 'not isolated at first (no headers, no service worker), then one reload, served by the worker with COOP/COEP');
  const state = await engineState(page);
  t.diagnostic(`after the reload: isolated ${state.isolated}, page engine ${state.flavour} with ${state.threads} threads`);
  assert.equal(state.flavour, 'simd', 'the page\'s own learner stays single-thread');
  assert.match(await teachAndTrain(page, 'A'), / simd-threads engine/, 'the training worker runs the threads engine');
  assert.equal((await loadsOf(page)).length, 2, 'no further reload');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the isolation reload happens once per tab: where the service worker\'s headers give no isolation, the guard stops a second reload', { timeout: 300_000 }, async (t) => {
  // A copy of web/ whose service worker adds no headers: the page is controlled but never isolated.
  const root = join(dir, 'web-no-headers');
  cpSync(defaultRoot, root, { recursive: true });
  const source = readFileSync(join(root, 'sw.js'), 'utf8');
  const patched = source.replace('function isolated(response) {', 'function isolated(response) {\n  return response; // isolation.test.mjs: no headers\n');
  assert.notEqual(patched, source, 'sw.js still has isolated(response)');
  writeFileSync(join(root, 'sw.js'), patched);
  const served = await startServer({ root, port: 0, isolation: false });
  servers.push(served);
  const { context, page, errors } = await open(served.url, 'profile-guard', { ready: false });
  // Without the guard the controlled, non-isolated reload would reload again, and again.
  await waitInPage(page, () => document.body.dataset.isolationReload === 'once-already', 'the guard\'s decision on the reloaded page');
  const loads = await loadsOf(page);
  t.diagnostic(`loads [isolated, controlled, type]: ${JSON.stringify(loads)}`);
  assert.deepEqual(loads, [[false, false, 'navigate'], [false, true, 'reload']], 'one reload when the worker took over, none after it');
  await waitReady(page);
  const state = await engineState(page);
  assert.deepEqual(state, { isolated: false, flavour: 'simd', threads: 1 }, 'not isolated: the single-thread SIMD engine');
  assert.match(await teachAndTrain(page, 'A'), / simd engine/, 'the fallback trains');
  assert.equal((await loadsOf(page)).length, 2, 'still no second reload');
  assert.deepEqual(errors, []);
  await context.close();
});
