// crash-safety.test.mjs - a save that never finishes must not cost the last good learner.
// In headless Chromium: the page learns class A (record, one step, saved to IndexedDB); then a
// bigger, different state is written with the page's own store.js
//   - from a worker that closes itself in the task that queued the save (so the save is cut
//     short whatever the machine's speed: its requests' results can never be handled, and the
//     transaction cannot commit),
//   - from a worker that is terminated while its save is under way, several times with
//     different delays, and
//   - from a second tab that is closed while its save is under way.
// After each interruption IndexedDB must hold either the old state whole or the new one whole
// (checkpoint and class list from the same save), and the checkpoint must load; the self-closing
// worker's must be the old one. (The delayed interruptions may land before or after the commit:
// either outcome passes, a mix of the two fails.) Reading waits for nothing: IndexedDB starts a
// read only after the read-write transactions created before it have committed or aborted.
// Finally a reload of the page restores the learner and still predicts A.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../build-scripts/serve.mjs';
import { needing } from '../node/prerequisites.mjs';
import { addClass, browserMissing, launch, recordSamples, sceneA, writeY4m } from './fake-camera.mjs';

const { test } = needing(browserMissing);
let server;
let dir;
let context;

before(async () => {
  if (browserMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-crash-'));
  const video = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
  server = await startServer({ port: 0 });
  context = await launch(join(dir, 'profile'), video);
});

after(async () => {
  await context?.close().catch(() => {});
  server?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs in the page: what IndexedDB holds now, summarised (SHA-256 of the checkpoint, the meta's
// trial marker and class names, and whether the checkpoint loads as a learner).
async function readSaved() {
  const { openStore } = await import('./store.js');
  const { loadLearner } = await import('./icarl.js');
  const store = await openStore();
  const saved = await store.load();
  store.close();
  if (!saved?.checkpoint) return null;
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', saved.checkpoint)), (b) => b.toString(16).padStart(2, '0')).join('');
  let loads = true;
  let classes = [];
  try {
    const learner = await loadLearner(saved.checkpoint);
    classes = learner.classes;
    learner.dispose();
  } catch {
    loads = false;
  }
  return { digest, bytes: saved.checkpoint.byteLength, trial: saved.meta?.trial ?? null, metaNames: saved.meta.classes.map((c) => c.name), classes, loads };
}

// The code both interrupted writers run (a module worker, and a second tab): load the saved
// learner, add many examples to class A (a different, larger checkpoint), mark the meta with
// the trial number, save with the page's store.js, and announce the new digest; then
// `afterQueued` (the self-closing worker closes there).
const WRITER = `
  const base = new URL('/', location.href.startsWith('blob:') ? location.href.slice(5) : location.href);
  export async function writeBigger(trial, announce, afterQueued = () => {}) {
    const { openStore } = await import(new URL('store.js', base));
    const { loadLearner } = await import(new URL('icarl.js', base));
    const store = await openStore();
    const saved = await store.load();
    const learner = await loadLearner(saved.checkpoint);
    const images = [];
    for (let i = 0; i < 1500; i++) {
      const data = new Uint8Array(32 * 32 * 3);
      for (let j = 0; j < data.length; j++) data[j] = (i * 7 + j * 13 + trial) & 255;
      images.push({ width: 32, height: 32, channels: 3, data });
    }
    learner.addExamples('A', images);
    const bytes = learner.save();
    learner.dispose();
    const meta = { ...saved.meta, trial };
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    // store.save() queues its transaction before it first awaits; announcing in the same task
    // means the write is pending by the time anyone hears of it, and the interruption lands
    // during it.
    const saving = store.save({ checkpoint: bytes, meta });
    announce({ digest, bytes: bytes.byteLength });
    afterQueued();
    return saving;
  }
`;

test('a worker terminated or a tab closed during a save keeps the last good learner', { timeout: 300_000 }, async (t) => {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(`${server.url}?epochs=2`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });

  // The last good state: class A recorded from the camera and trained, saved by the page.
  await addClass(page, 'A');
  await recordSamples(page, 'A', 10);
  const savesBefore = Number(await page.evaluate(() => document.body.dataset.saves ?? 0));
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction((n) => Number(document.body.dataset.saves ?? 0) > n && /^Trained/.test(document.querySelector('#train-status').textContent), savesBefore, { timeout: 120_000 });
  await page.evaluate(() => window.icarlPage.saved());
  const good = await page.evaluate(readSaved);
  assert.ok(good?.loads, 'the trained learner is saved');
  assert.deepEqual(good.classes, ['A']);
  assert.equal(good.trial, null);

  const restoreGood = async () => {
    // Puts the good state back (what the page itself would save) before the next trial.
    await page.evaluate(async (digest) => {
      const { openStore } = await import('./store.js');
      const store = await openStore();
      const bytes = window.icarlPage.learner.save();
      const hex = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      if (hex !== digest) throw new Error('the page learner is not the good state any more');
      await store.save({ checkpoint: bytes, meta: structuredClone(window.icarlPage.meta) });
      store.close();
    }, good.digest);
  };

  const check = async (label, trial, announced) => {
    const now = await page.evaluate(readSaved);
    assert.ok(now, `${label}: something is saved`);
    assert.ok(now.loads, `${label}: the saved checkpoint loads`);
    assert.deepEqual(now.metaNames, ['A'], `${label}: the class list is whole`);
    if (now.digest === good.digest) {
      assert.equal(now.trial, null, `${label}: the old checkpoint came with the new class list`);
      return 'kept';
    }
    assert.equal(now.digest, announced.digest, `${label}: the saved checkpoint is neither the old nor the new one`);
    assert.equal(now.trial, trial, `${label}: the new checkpoint came with the old class list`);
    return 'written';
  };

  // 1. Workers interrupted mid-save: one closes itself in the task that queued its save (cut
  // short for certain), the others are terminated after 0 to 50 ms (cut short or not).
  const outcomes = [];
  const interruptions = ['closes itself', 0, 0, 1, 3, 10, 50];
  for (const [index, interruption] of interruptions.entries()) {
    const trial = index + 1;
    const closeItself = interruption === 'closes itself';
    const label = closeItself ? 'worker closed itself' : `worker terminated after ${interruption} ms`;
    const announced = await page.evaluate(async ({ source, trial, closeItself, delay }) => {
      const code = `${source}
        self.onmessage = (event) => writeBigger(event.data.trial, (info) => self.postMessage({ type: 'saving', ...info }), event.data.closeItself ? () => self.close() : undefined)
          .then(() => self.postMessage({ type: 'saved' }), (error) => self.postMessage({ type: 'failed', message: String(error) }));`;
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      const worker = new Worker(url, { type: 'module' });
      const info = await new Promise((resolve, reject) => {
        worker.onmessage = (event) => {
          if (event.data.type === 'saving') resolve(event.data);
          else if (event.data.type === 'failed') reject(new Error(event.data.message));
        };
        worker.onerror = (event) => reject(new Error(event.message));
        worker.postMessage({ trial, closeItself });
      });
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      worker.terminate();
      URL.revokeObjectURL(url);
      return info;
    }, { source: WRITER, trial, closeItself, delay: closeItself ? 0 : interruption });
    assert.ok(announced.bytes >= good.bytes + 1500 * 3072, `the interrupted state is much larger (${announced.bytes} vs ${good.bytes} bytes)`);
    const outcome = await check(label, trial, announced);
    if (closeItself) assert.equal(outcome, 'kept', 'a save whose worker closed before handling any result was not cut short');
    outcomes.push(`${label}: ${outcome}`);
    if (outcome === 'written') await restoreGood();
  }

  // 2. A second tab closed during its save.
  for (let trial = 101; trial <= 103; trial++) {
    const tab = await context.newPage();
    await tab.goto(`${server.url}icarl.d.ts`); // any document of the origin, not the app
    const announced = await tab.evaluate(async ({ source, trial }) => {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const { writeBigger } = await import(url);
      let info;
      writeBigger(trial, (value) => { info = value; });
      // Return as soon as the write is queued; the test closes the tab right away.
      while (!info) await new Promise((resolve) => setTimeout(resolve, 1));
      return info;
    }, { source: WRITER, trial });
    await tab.close({ runBeforeUnload: false });
    const outcome = await check(`tab closed (trial ${trial})`, trial, announced);
    outcomes.push(`tab: ${outcome}`);
    if (outcome === 'written') await restoreGood();
  }
  t.diagnostic(`outcomes: ${outcomes.join(', ')}`);

  // The page itself comes back with the good learner: class A, predicted.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  const names = await page.getByRole('textbox', { name: 'Class name' }).evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.deepEqual(names, ['A']);
  const restored = await page.evaluate(async () => {
    const bytes = window.icarlPage.learner.save();
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  });
  assert.equal(restored, good.digest, 'the reloaded page runs the last good learner');
  await page.waitForFunction(() => document.querySelector('[role="region"][aria-label="Prediction"]').innerText.trim().startsWith('A'), null, { timeout: 20_000 });
  assert.deepEqual(errors, []);
});
