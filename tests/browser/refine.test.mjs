// refine.test.mjs - usable at once, better with time, and "none of my classes", in the page: after
// Train the prediction starts from the step's first publication while the step keeps improving
// ("Improving"), each publication is saved, recording during it stops it cleanly and keeps what
// was learned, a closed browser brings back the last publication, and a camera showing something
// never taught reads "Not sure" with the nearest class after it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../build-scripts/serve.mjs';
import { needing } from '../node/prerequisites.mjs';
import { addClass, browserMissing, launch, recordSamples, sceneA, sceneB, writeY4m } from './fake-camera.mjs';

// A step long enough to be seen improving on a loaded machine, short enough for the suite.
const QUERY = '?set=min_updates=150,max_updates=150,patience=0';
let dir;
let server;
let videoA;
let videoB;
const contexts = new Set();

before(async () => {
  if (browserMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-refine-'));
  videoA = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
  videoB = writeY4m(join(dir, 'scene-b.y4m'), { pattern: sceneB });
  server = await startServer({ port: 0 });
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  server?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(video, profile) {
  const context = await launch(join(dir, profile), video);
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}${QUERY}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  return { context, page, errors };
}

const prediction = async (page) => (await page.getByRole('region', { name: 'Prediction' }).textContent()).replace(/\s+/g, ' ').trim();
const status = (page) => page.locator('#train-status').textContent();

test('the page predicts from the first publication, improves, stops cleanly when recording, and says "Not sure"', { ...needing(browserMissing), timeout: 360_000 }, async () => {
  const { context, page, errors } = await open(videoA, 'profile');
  await addClass(page, 'Stripes');
  await recordSamples(page, 'Stripes', 30);
  await page.getByRole('button', { name: 'Train' }).click();

  // A publication arrives while the step trains on: the prediction names the class, the status
  // says it is improving, and the learner is already saved.
  await page.waitForFunction(() => window.icarlPage.lastStep.firstPublication !== null, null, { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('#predicted-label').textContent === 'Stripes', null, { timeout: 30_000 });
  assert.match(await status(page), /^Improving/);
  assert.equal(await page.evaluate(() => window.icarlPage.lastStep.finished), null, 'the step is still running');
  await page.waitForFunction(() => window.icarlPage.stats.saves > 0, null, { timeout: 30_000 });

  // Recording while it improves stops it there and keeps what was learned.
  await recordSamples(page, 'Stripes', 33);
  await page.waitForFunction(() => window.icarlPage.lastStep.finished !== null, null, { timeout: 30_000 });
  assert.match(await status(page), /Stopped improving/);
  assert.equal(await page.evaluate(() => window.icarlPage.learner.classDetails[0].trained), true);
  assert.match(await prediction(page), /^Stripes/);
  await page.evaluate(() => window.icarlPage.saved());
  await context.close();

  // The next launch shows something never taught: not a confident "Stripes".
  const again = await open(videoB, 'profile');
  await again.page.waitForFunction(() => /^(Not sure|Stripes)/.test(document.querySelector('#predicted-label').textContent), null, { timeout: 60_000 });
  assert.equal(await again.page.evaluate(() => window.icarlPage.learner.classes.join()), 'Stripes', 'the learner came back');
  await again.page.waitForFunction(() => document.querySelector('#predicted-label').textContent === 'Not sure', null, { timeout: 30_000 });
  assert.match(await prediction(again.page), /^Not sure.*closest: Stripes/s);
  assert.deepEqual([...errors, ...again.errors], []);
});
