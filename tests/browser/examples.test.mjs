// examples.test.mjs - a model taken elsewhere, in headless Chromium with a fake camera:
//   1. "Export model" downloads the file and opens a dialog that says how to use it (the page
//      snippet, the Node snippet, the example page); Escape closes it and the focus is back on
//      "Export model";
//   2. "Import model" asks before it replaces the classes on the page (nothing changes when the
//      person says no), and the imported classes show the exemplar images the file keeps;
//   3. web/examples/webcam-classifier/, the standalone page, loads that model file and names what
//      the camera shows (scene A, then, in a second launch, scene B), and its code holds the
//      dialog's page snippet line for line.
// The model is taught in Node from frames of the same two scenes the fake cameras play.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, defaultRoot } from '../../build-scripts/serve.mjs';
import { createLearner } from '../../web/icarl.js';
import { needing } from '../node/prerequisites.mjs';
import { addClass, browserMissing, launch, sceneA, sceneB, writeY4m } from './fake-camera.mjs';

const { test } = needing(browserMissing);
const WIDTH = 160; // the fake camera's frame size (writeY4m's default)
const HEIGHT = 120;
let server;
let dir;
let videoA;
let videoB;
let modelFile;
const contexts = new Set(); // closed in after() too, so a failing test never leaves Chromium running

/** Frame t of `scene` as RGBA, as the fake camera shows it. */
function frame(scene, t) {
  const data = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) data.set([...scene(x, y, t).map((v) => Math.round(v)), 255], 4 * (y * WIDTH + x));
  }
  return { width: WIDTH, height: HEIGHT, data };
}

before(async () => {
  if (browserMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-examples-'));
  videoA = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
  videoB = writeY4m(join(dir, 'scene-b.y4m'), { pattern: sceneB });
  server = await startServer({ port: 0 });
  const learner = await createLearner({ preset: 'webcam', blocksPerStage: 1, epochs: 4, seed: 5 });
  learner.addExamples('A', Array.from({ length: 10 }, (_, i) => frame(sceneA, 3 * i)));
  learner.addExamples('B', Array.from({ length: 10 }, (_, i) => frame(sceneB, 3 * i)));
  await learner.train();
  modelFile = join(dir, 'taught.icarl');
  writeFileSync(modelFile, learner.save());
  learner.dispose();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  server?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(video, path = '') {
  const context = await launch(join(dir, 'profile'), video);
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}${path}`);
  return { context, page, errors };
}

/** Waits until the standalone page's output says `text`. */
async function exampleSays(page, text) {
  await page.waitForFunction((t) => document.querySelector('#label').textContent === t, text, { timeout: 30_000 })
    .catch(() => {});
  assert.equal(await page.locator('#label').textContent(), text);
}

test('export explains the file, import asks first and shows the exemplars, the standalone example classifies the webcam', { timeout: 240_000 }, async () => {
  const { context, page, errors } = await open(videoA, '?epochs=1');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });

  // 1. Export: the download, and the dialog with the snippets.
  const exportButton = page.getByRole('button', { name: 'Export model' });
  const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
  assert.equal(download.suggestedFilename(), 'icarl-model.icarl');
  const dialog = page.getByRole('dialog', { name: /icarl-model\.icarl/ });
  await dialog.waitFor();
  const pageSnippet = await dialog.locator('[data-snippet="page"]').textContent();
  assert.match(await dialog.locator('[data-snippet="node"]').textContent(), /from 'icarl-wasm'/);
  assert.ok(await dialog.getByRole('link', { name: 'examples/webcam-classifier' }).isVisible());
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.ok(await exportButton.evaluate((button) => button === document.activeElement), 'the focus is back on Export model');

  // 2. Import over a class of this page: asked first; "no" keeps the class.
  await addClass(page, 'Old');
  const asked = new Promise((resolve) => page.once('dialog', (question) => question.dismiss().then(() => resolve(question.message()))));
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import model' }).click()]);
  await chooser.setFiles(modelFile);
  const question = await Promise.race([asked, page.waitForTimeout(30_000).then(() => null)]);
  assert.ok(question, 'asked before replacing the classes');
  assert.match(question, /replaces the class here \(“Old”\)/);
  // The question blocks the page's import until it is answered: by the next evaluation, a "no"
  // has been acted on.
  assert.deepEqual(await page.evaluate(() => window.icarlPage.meta.classes.map((c) => c.name)), ['Old']);
  page.once('dialog', (question) => question.accept());
  const [again] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import model' }).click()]);
  await again.setFiles(modelFile);
  await page.waitForFunction(() => window.icarlPage.meta.classes.map((c) => c.name).join() === 'A,B');
  for (const name of ['A', 'B']) {
    const card = page.locator(`.class-card[data-name="${name}"]`);
    assert.match(await card.locator('.count').textContent(), /^10 samples · trained/);
    const thumbnails = await card.locator('.thumbs img').count();
    assert.equal(thumbnails, 10, `class ${name} shows the 10 exemplar images the file keeps`);
  }
  assert.deepEqual(errors, []);

  // 3. The standalone example, camera A.
  const example = await context.newPage();
  const exampleErrors = [];
  example.on('pageerror', (error) => exampleErrors.push(error.message));
  await example.goto(`${server.url}examples/webcam-classifier/`);
  await example.getByLabel(/Model file/).setInputFiles(modelFile);
  await exampleSays(example, 'A');
  assert.deepEqual(exampleErrors, []);
  await context.close();

  // ... and camera B.
  {
    const { context: contextB, page: exampleB, errors: errorsB } = await open(videoB, 'examples/webcam-classifier/');
    await exampleB.getByLabel(/Model file/).setInputFiles(modelFile);
    await exampleSays(exampleB, 'B');
    assert.deepEqual(errorsB, []);
    await contextB.close();
  }

  // The dialog's page snippet is the example's code, line for line and in order.
  const code = readFileSync(join(defaultRoot, 'examples/webcam-classifier/classify.js'), 'utf8').split('\n').map((line) => line.trim());
  let at = 0;
  for (const line of pageSnippet.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const found = code.indexOf(line, at);
    assert.ok(found >= 0, `classify.js has, after line ${at}, the snippet's line: ${line}`);
    at = found + 1;
  }
});
