// experiment.test.mjs - the page's Experiment mode in headless Debian Chromium (playwright-core),
// with no camera: switch to the Experiment tab, run the class-incremental Fashion-MNIST protocol
// to the end on a small subset (URL parameters), and check what a person would look at: iCaRL's
// final accuracy beats finetuning's by a real margin, the accuracy plot has both lines, the
// per-class grids show finetuning forgetting, the confusion matrix and herding's exemplars are
// drawn. Then with the network off, a reload still runs it (scripts, engine and data come from
// the service worker's cache). The webcam tab still works beside it.
// Set ICARL_EXPERIMENT_SCREENSHOT=path to save a screenshot of the finished run (docs/experiment.png).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, defaultRoot } from '../../build-scripts/serve.mjs';
import { firstMissing, missingFile, needing } from '../node/prerequisites.mjs';
import { browserMissing, launchWithoutCamera } from './fake-camera.mjs';

const missing = firstMissing(browserMissing, missingFile(join(defaultRoot, 'data/fashion-subset.bin'),
  'run build-scripts/build.sh with Debian package dataset-fashion-mnist installed'));
const { test } = needing(missing);
// Small enough for a couple of minutes on two busy cores, large enough for a clear gap.
const QUICK = 'exp-train=50&exp-test=50&exp-epochs=3';
const QUICKER = 'exp-train=30&exp-test=30&exp-epochs=2';
let server;
let browser;
let dir;

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-experiment-'));
  server = await startServer({ port: 0 });
  browser = await launchWithoutCamera();
});

after(async () => {
  await browser?.close();
  server?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runToEnd(page) {
  const tab = page.getByRole('tab', { name: 'Experiment' });
  await tab.click();
  assert.equal(await tab.getAttribute('aria-selected'), 'true');
  assert.equal(await page.getByRole('tab', { name: 'Webcam' }).getAttribute('aria-selected'), 'false');
  assert.equal(await page.locator('#mode-webcam').isHidden(), true, 'the webcam panel is hidden');
  const progress = page.getByRole('progressbar', { name: 'Experiment progress' });
  await page.getByRole('button', { name: 'Run experiment' }).click();
  assert.equal(await page.getByRole('button', { name: 'Cancel experiment' }).isVisible(), true, 'Cancel shows while it runs');
  // Progress moves before the end.
  await page.waitForFunction(() => {
    const value = Number(document.querySelector('#experiment-progress').value);
    return value > 0.05 && value < 1;
  }, null, { timeout: 60_000 });
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.body.dataset.experiment), null, { timeout: 150_000 });
  const status = await page.locator('#experiment-status').textContent();
  assert.equal(await page.evaluate(() => document.body.dataset.experiment), 'done', status);
  assert.equal(await progress.getAttribute('value'), '1');
  assert.equal(await page.getByRole('button', { name: 'Cancel experiment' }).isHidden(), true);
  return page.evaluate(() => ({ results: window.icarlExperiment.results, seconds: window.icarlExperiment.seconds, flavour: window.icarlExperiment.flavour }));
}

function finals(results) {
  const last = (method) => results.filter((r) => r.method === method).at(-1);
  return { icarl: last('icarl'), finetune: last('finetune') };
}

test('Experiment mode: iCaRL beats finetuning, plots, forgetting, confusion matrix, exemplars; offline too', { timeout: 420_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1300 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}?${QUICK}`);
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });

  // The webcam mode is the default, and says it has no camera; the experiment needs none.
  assert.equal(await page.getByRole('tab', { name: 'Webcam' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#mode-experiment').isHidden(), true);
  await page.locator('#camera-message').waitFor({ state: 'visible', timeout: 10_000 });

  const { results, seconds, flavour } = await runToEnd(page);
  assert.equal(results.length, 10, 'five steps of two methods');
  assert.deepEqual(results.map((r) => `${r.step}${r.method}`), ['0icarl', '0finetune', '1icarl', '1finetune', '2icarl', '2finetune', '3icarl', '3finetune', '4icarl', '4finetune']);
  const { icarl, finetune } = finals(results);
  assert.equal(icarl.classes.length, 10);
  assert.equal(icarl.confusion.flat().reduce((a, b) => a + b, 0), 10 * 50, 'every test image in the confusion matrix');
  console.log(`# quick run in ${seconds.toFixed(1)} s (${flavour} engine): iCaRL ${results.filter((r) => r.method === 'icarl').map((r) => r.accuracy.toFixed(3)).join(' ')}; finetuning ${results.filter((r) => r.method === 'finetune').map((r) => r.accuracy.toFixed(3)).join(' ')}`);
  assert.ok(icarl.accuracy >= finetune.accuracy + 0.2, `iCaRL final ${icarl.accuracy} vs finetuning ${finetune.accuracy}`);
  assert.ok(finetune.accuracy < 0.35, `finetuning forgets: it knows little beyond the last two classes (${finetune.accuracy})`);
  assert.ok(finetune.forgetting > icarl.forgetting + 0.2, `forgetting: finetuning ${finetune.forgetting}, iCaRL ${icarl.forgetting}`);

  // The plot: two lines of five points, and the status line names both final accuracies.
  assert.equal(await page.locator('#accuracy-plot polyline').count(), 2);
  assert.equal(await page.locator('#accuracy-plot circle').count(), 10);
  assert.match(await page.locator('#experiment-status').textContent(), /^Done in .*iCaRL \d+\.\d%, finetuning \d+\.\d%/);
  assert.equal(await page.locator('#accuracy-table tbody tr').count(), 5);
  // Forgetting as it happens: the first classes' cells in finetuning's grid drop after step 1.
  const grid = page.locator('.per-class-table[data-method="finetune"]');
  const firstRow = await grid.locator('tr').nth(1).locator('td').allTextContents();
  assert.equal(firstRow.length, 5);
  assert.ok(Number(firstRow[0]) > Number(firstRow[4]) + 30, `finetuning on ${await grid.locator('tr').nth(1).locator('th').textContent()}: ${firstRow.join(' ')}`);
  assert.equal(await page.locator('.per-class-table[data-method="icarl"] tr').count(), 11);
  // Confusion matrix: 10 x 10 cells whose counts add up to the test set.
  const cells = page.locator('#confusion rect.cm-cell');
  assert.equal(await cells.count(), 100);
  const counts = await cells.evaluateAll((rects) => rects.map((r) => Number(r.dataset.count)));
  assert.equal(counts.reduce((a, b) => a + b, 0), 500);
  assert.match(await page.getByRole('img', { name: /Confusion matrix of iCaRL after step 5/ }).getAttribute('aria-label'), /on the diagonal/);
  // Exemplars: one canvas per class with real pictures (not blank), m = K / 10 = 40 kept.
  const rows = page.locator('.exemplar-row');
  assert.equal(await rows.count(), 10);
  assert.match(await rows.first().textContent(), /T-shirt\/top \(40 kept\)/);
  const drawn = await page.locator('.exemplar-row canvas').evaluateAll((canvases) => canvases.map((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4) { min = Math.min(min, data[i]); max = Math.max(max, data[i]); }
    return { width: canvas.width, spread: max - min };
  }));
  for (const canvas of drawn) {
    assert.equal(canvas.width, 6 * 30, 'six exemplars of 28 px with gaps');
    assert.ok(canvas.spread > 100, 'exemplar images are drawn');
  }
  if (process.env.ICARL_EXPERIMENT_SCREENSHOT) await page.screenshot({ path: process.env.ICARL_EXPERIMENT_SCREENSHOT, fullPage: true });

  // The webcam tab still works: switching back shows it with its controls.
  await page.getByRole('tab', { name: 'Webcam' }).click();
  assert.equal(await page.getByRole('button', { name: 'Add class' }).isVisible(), true);
  assert.equal(await page.locator('#mode-experiment').isHidden(), true);

  // Offline after the first visit: scripts, engine and the data come from the service worker.
  await page.evaluate(() => navigator.serviceWorker.ready);
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker controls the page');
  await context.setOffline(true);
  await page.goto(`${server.url}?${QUICKER}#experiment`);
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
  assert.equal(await page.getByRole('tab', { name: 'Experiment' }).getAttribute('aria-selected'), 'true', '#experiment opens the tab');
  const offline = await runToEnd(page);
  const again = finals(offline.results);
  assert.equal(again.icarl.classes.length, 10);
  assert.ok(again.icarl.accuracy > again.finetune.accuracy + 0.15, `offline: iCaRL ${again.icarl.accuracy} vs finetuning ${again.finetune.accuracy}`);
  console.log(`# offline run in ${offline.seconds.toFixed(1)} s: iCaRL ${again.icarl.accuracy.toFixed(3)}, finetuning ${again.finetune.accuracy.toFixed(3)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Experiment mode: Cancel stops the run and keeps the page usable', { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}?${QUICK}#experiment`);
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
  // Keyboard: the tabs move with the arrow keys.
  await page.getByRole('tab', { name: 'Experiment' }).focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getByRole('tab', { name: 'Webcam' }).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: 'Experiment' }).getAttribute('aria-selected'), 'true');

  await page.getByRole('button', { name: 'Run experiment' }).click();
  await page.waitForFunction(() => Number(document.querySelector('#experiment-progress').value) > 0.02, null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel experiment' }).click();
  await page.waitForFunction(() => document.body.dataset.experiment !== 'running', null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.experiment), 'cancelled');
  assert.match(await page.locator('#experiment-status').textContent(), /^Cancelled/);
  assert.equal(await page.getByRole('button', { name: 'Run experiment' }).isEnabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Cancel experiment' }).isHidden(), true);
  assert.deepEqual(errors, []);
  await context.close();
});
