// controls.test.mjs - the page without a camera (denied): a clear message, examples from image
// files instead, rename, delete, train with Cancel, Export model / Reset / Import model. Headless
// Debian Chromium through playwright-core, a fresh profile, no fake camera.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../build-scripts/serve.mjs';
import { needing } from '../node/prerequisites.mjs';
import { addClass, browserMissing, launchWithoutCamera } from './fake-camera.mjs';

const { test } = needing(browserMissing);
let server;
let browser;
let dir;

before(async () => {
  if (browserMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-controls-'));
  server = await startServer({ port: 0 });
  browser = await launchWithoutCamera();
});

after(async () => {
  await browser?.close();
  server?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A 24-bit BMP of a 40x30 picture: `colour(x, y)` gives [r, g, b]. */
function bmp(colour, width = 40, height = 30) {
  const row = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + row * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(row * height, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, height - 1 - y); // rows bottom-up
      const at = 54 + y * row + 3 * x;
      out[at] = b;
      out[at + 1] = g;
      out[at + 2] = r;
    }
  }
  return out;
}

const files = (name, colour, count) => Array.from({ length: count }, (_, i) => ({
  name: `${name}-${i}.bmp`,
  mimeType: 'image/bmp',
  buffer: bmp((x, y) => colour(x, y, i)),
}));

test('without a camera: a clear message, image files as examples, rename, delete, cancel, export, reset, import', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(`${server.url}?epochs=2`);
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });

  const message = page.locator('#camera-message');
  await assert.doesNotReject(message.waitFor({ state: 'visible', timeout: 10_000 }));
  assert.match(await message.textContent(), /denied|No camera|cannot be used/i);
  assert.match(await message.textContent(), /image files/);

  // Two classes from image files; a third one is renamed and deleted.
  for (const name of ['Red', 'Blue', 'Spare']) await addClass(page, name);
  const cardOf = (name) => page.locator(`.class-card[data-name="${name}"]`);
  await cardOf('Red').locator('input.upload-file').setInputFiles(files('red', (x, y, i) => [200 + i * 5, 40 + ((x + y) % 9) * 4, 30], 6));
  await cardOf('Blue').locator('input.upload-file').setInputFiles(files('blue', (x, y, i) => [30, 50 + ((x * y) % 7) * 5, 190 + i * 5], 6));
  await page.waitForFunction(() => document.querySelectorAll('.class-card .thumbs img').length === 12);
  assert.match(await cardOf('Red').locator('.count').textContent(), /^6 samples/);

  await cardOf('Spare').locator('input.upload-file').setInputFiles(files('spare', () => [20, 200, 20], 2));
  await page.waitForFunction(() => /^2 samples/.test(document.querySelector('.class-card[data-name="Spare"] .count')?.textContent ?? ''));
  const spareName = cardOf('Spare').getByRole('textbox', { name: 'Class name' });
  await spareName.fill('Green');
  await spareName.press('Enter');
  await page.waitForFunction(() => window.icarlPage.learner.classes.includes('Green'));
  await cardOf('Green').getByRole('button', { name: 'Delete class' }).click();
  await page.waitForFunction(() => !window.icarlPage.learner.classes.includes('Green'));
  assert.deepEqual(await page.evaluate(() => window.icarlPage.learner.classes), ['Red', 'Blue']);

  // Cancel a long step before its first publication (2 s into training, web/worker.js): nothing
  // changes. "Training, epoch" says training has begun and nothing is published yet ("Improving"
  // after that; the time left may come later than the publication).
  await page.evaluate(() => window.icarlPage.saved());
  await page.goto(`${server.url}?epochs=400`);
  await page.waitForSelector('body[data-ready]');
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^Training, epoch/.test(document.querySelector('#train-status').textContent) &&
    document.querySelector('#progress').value > 0, null, { timeout: 60_000, polling: 20 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction(() => /cancelled|Stopped/.test(document.querySelector('#train-status').textContent), null, { timeout: 30_000 });
  assert.match(await page.locator('#train-status').textContent(), /^Training cancelled; nothing changed/, 'Cancel came after the first publication');
  assert.equal(await page.evaluate(() => window.icarlPage.learner.classDetails.some((d) => d.trained)), false);

  // Train for real, export, reset, import.
  await page.evaluate(() => window.icarlPage.saved());
  await page.goto(`${server.url}?epochs=2`);
  await page.waitForSelector('body[data-ready]');
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  assert.match(await page.locator('#memory-list').innerText(), /Red: 6 kept/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export model' }).click()]);
  const exported = join(dir, 'model.icarl');
  await download.saveAs(exported);
  assert.equal(readFileSync(exported).subarray(0, 8).toString('ascii'), 'ICARLCKP');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click(); // how to use the file

  await page.getByRole('button', { name: 'Reset' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.class-card').length === 0 && window.icarlPage.learner.classes.length === 0);
  await page.evaluate(() => window.icarlPage.saved());
  await page.reload();
  await page.waitForSelector('body[data-ready]');
  assert.equal(await page.locator('.class-card').count(), 0, 'Reset also cleared IndexedDB');
  // A new learner is the starter network (web/starter.icarl), not random weights.
  assert.ok(await page.evaluate(async () => {
    const starter = new Uint8Array(await (await fetch('starter.icarl')).arrayBuffer());
    const own = window.icarlPage.learner.save();
    return starter.length > 0 && own.length === starter.length && own.every((byte, i) => byte === starter[i]);
  }), 'the learner after Reset is not the starter network');

  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import model' }).click()]);
  await chooser.setFiles(exported);
  await page.waitForFunction(() => document.querySelectorAll('.class-card').length === 2);
  assert.deepEqual(await page.getByRole('textbox', { name: 'Class name' }).evaluateAll((inputs) => inputs.map((i) => i.value)), ['Red', 'Blue']);
  assert.match(await page.locator('#memory-list').innerText(), /Blue: 6 kept/);

  // A file that is not a model is refused with a message, and the model stays.
  const [again] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import model' }).click()]);
  await again.setFiles({ name: 'junk.icarl', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
  await page.waitForFunction(() => /Could not import/.test(document.querySelector('#notice').textContent));
  assert.equal(await page.locator('.class-card').count(), 2);
  assert.deepEqual(errors, []);
  await context.close();
});

test('without IndexedDB (a private window) the page keeps working in memory and says so', { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}?epochs=2`);
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
  assert.match(await page.locator('#storage').textContent(), /Kept in memory only: IndexedDB is not available/);
  await page.getByRole('button', { name: 'Add class' }).click();
  await page.locator('.class-card input.upload-file').setInputFiles(files('red', () => [220, 30, 30], 3));
  await page.waitForFunction(() => /^3 samples/.test(document.querySelector('.class-card .count').textContent));
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  assert.match(await page.locator('#storage').textContent(), /Not saved|Kept in memory only/);
  assert.deepEqual(errors, []);
  await context.close();
});
