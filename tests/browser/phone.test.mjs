// phone.test.mjs - the page on a phone (390 x 844, touch), in headless Chromium with a fake camera:
// nothing is wider than the screen (document scrollWidth no wider than the viewport at 360, 390 and
// 400 px) on the Webcam tab before and after recording and training, and on the Experiment tab
// before and after a (tiny) run; touching and holding "Hold to record" records, and while it does,
// with the preview scrolled away, the camera picture stays in view.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { defaultRoot } from '../../build-scripts/serve.mjs';
import { needing, firstMissing, missingFile } from '../node/prerequisites.mjs';
import { addClass, browserMissing } from './fake-camera.mjs';
import { oneLaunch } from './one-launch.mjs';

const { test } = needing(firstMissing(browserMissing, missingFile(join(defaultRoot, 'data/fashion-subset.bin'), 'run build-scripts/build.sh')));
const PHONE = { width: 390, height: 844 };
const TINY_EXPERIMENT = 'exp-train=10&exp-test=10&exp-epochs=1&exp-blocks=1&exp-memory=40';
const NAMES = ['A rather long name for the first thing', 'Second', 'Third'];
const launched = oneLaunch('phone');

/** Asserts that at 360, 390 and 400 px nothing makes the page wider than the screen. */
async function fitsPhones(page, what) {
  for (const width of [360, 390, 400]) {
    await page.setViewportSize({ width, height: PHONE.height });
    const { scrollWidth, viewport, widest } = await page.evaluate(() => {
      const viewport = document.documentElement.clientWidth;
      const widest = [...document.querySelectorAll('body *')].filter((node) => node.getClientRects().length)
        .map((node) => ({ node: `${node.tagName.toLowerCase()}#${node.id}.${node.className?.baseVal ?? node.className}`, right: node.getBoundingClientRect().right }))
        .filter((entry) => entry.right > viewport + 0.5).slice(0, 3);
      return { scrollWidth: document.documentElement.scrollWidth, viewport, widest };
    });
    assert.ok(scrollWidth <= viewport, `${what} at ${width} px: ${scrollWidth} px wide (${JSON.stringify(widest)})`);
  }
  await page.setViewportSize(PHONE);
}

test('on a phone nothing is wider than the screen, touch and hold records, and the camera stays in view while it does', { timeout: 240_000 }, async () => {
  const page = await launched.page();
  await page.setViewportSize(PHONE);
  const cdp = await launched.context.newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${launched.url}?epochs=1&${TINY_EXPERIMENT}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  await fitsPhones(page, 'the Webcam tab, empty');

  for (const name of NAMES) await addClass(page, name);
  // The last class's record button, scrolled to: the preview is far above it.
  const last = page.locator(`.class-card[data-name="${NAMES[2]}"]`);
  const record = last.getByRole('button', { name: 'Hold to record' });
  await record.scrollIntoViewIfNeeded();
  const target = await record.boundingBox();
  const touch = { x: target.x + target.width / 2, y: target.y + target.height / 2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [touch] });
  await page.waitForFunction(() => window.icarlPage.meta.classes[2].samples >= 8, null, { timeout: 60_000 }).catch(() => {});
  const view = await page.evaluate(() => {
    const box = (node) => node.getBoundingClientRect().toJSON();
    return { video: box(document.querySelector('#video')), preview: box(document.querySelector('#preview')), height: innerHeight, width: innerWidth };
  });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const recorded = await page.evaluate(() => window.icarlPage.meta.classes[2].samples);
  assert.ok(recorded >= 8, `touch and hold records (${recorded} frames)`);
  assert.ok(view.preview.bottom < view.height / 2, `the preview box is scrolled away (its bottom at ${view.preview.bottom})`);
  assert.ok(view.video.top >= 0 && view.video.bottom <= view.height && view.video.left >= 0 && view.video.right <= view.width && view.video.height > 60,
    `the camera picture is in view while recording: ${JSON.stringify(view.video)}`);
  await fitsPhones(page, 'the Webcam tab, recorded');

  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  await page.waitForFunction(() => window.icarlPage.stats.classifyMs > 0); // predictions with bars
  await fitsPhones(page, 'the Webcam tab, trained');

  await page.getByRole('tab', { name: 'Experiment' }).click();
  await fitsPhones(page, 'the Experiment tab');
  await page.getByRole('button', { name: 'Run experiment' }).click();
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.body.dataset.experiment), null, { timeout: 150_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.experiment), 'done', await page.locator('#experiment-status').textContent());
  await fitsPhones(page, 'the Experiment tab after a run');
  assert.deepEqual(errors, []);
});
