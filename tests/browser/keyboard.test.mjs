// keyboard.test.mjs - the teaching page without a mouse, in headless Chromium with a fake camera:
// "Add class" by Enter puts the focus in the new name box; Enter takes the name and Escape undoes
// an edit, both leaving the focus there; Tab reaches "Hold to record", and holding Space twice in a
// row, then Enter, records each time for as long as the key is down, with the focus staying on
// the button and the page not scrolling; the thumbnail strip is no Tab stop; Enter on "Train"
// moves the focus to "Cancel" while the step runs and back to "Train" after it.
import assert from 'node:assert/strict';
import { browserMissing } from './fake-camera.mjs';
import { oneLaunch } from './one-launch.mjs';
import { needing } from '../node/prerequisites.mjs';

const { test } = needing(browserMissing);
const launched = oneLaunch('keyboard');

/** The focused element, described: "button Hold to record", "textbox Class name", "body". */
function focused(page) {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (!active || active === document.body) return 'body';
    const role = active.getAttribute('role') ?? (active.tagName === 'INPUT' ? 'textbox' : active.tagName.toLowerCase());
    return `${role} ${active.getAttribute('aria-label') ?? active.textContent.trim()}`;
  });
}

const samples = (page) => page.evaluate(() => window.icarlPage.meta.classes[0]?.samples ?? 0);

/** Holds `key` down until 8 more samples are recorded (or a minute passed); returns how many were. */
async function hold(page, key) {
  const before = await samples(page);
  await page.keyboard.down(key);
  await page.waitForFunction((n) => window.icarlPage.meta.classes[0].samples >= n + 8, before, { timeout: 60_000 }).catch(() => {});
  await page.keyboard.up(key);
  return (await samples(page)) - before;
}

test('the page works from the keyboard, and the focus stays where the person is', { timeout: 180_000 }, async () => {
  const page = await launched.page();
  await page.setViewportSize({ width: 1000, height: 500 }); // short: a stray Space would scroll
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${launched.url}?epochs=1`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });

  await page.getByRole('button', { name: 'Add class' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'textbox Class name', 'Add class puts the focus in the new name box');
  await page.keyboard.type('Cup');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.icarlPage.meta.classes[0]?.name === 'Cup');
  assert.equal(await focused(page), 'textbox Class name', 'Enter takes the name and keeps the focus');
  await page.keyboard.type(' typo');
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('textbox', { name: 'Class name' }).inputValue(), 'Cup', 'Escape undoes the edit');
  assert.equal(await focused(page), 'textbox Class name');

  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'button Hold to record');
  const scrolled = await page.evaluate(() => window.scrollY);
  const first = await hold(page, ' ');
  assert.ok(first >= 8, `the first Space hold records (${first} frames)`);
  assert.equal(await focused(page), 'button Hold to record', 'the focus stays on the button');
  const second = await hold(page, ' ');
  assert.ok(second >= 8, `the second Space hold records too (${second} frames)`);
  const third = await hold(page, 'Enter');
  assert.ok(third >= 8, `so does holding Enter (${third} frames)`);
  assert.equal(await focused(page), 'button Hold to record');
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'Space never scrolled the page');
  assert.ok(await page.locator('.class-card .thumbs img').count() > 0, 'the card shows thumbnails');

  // The Tab order after the record button: the card's other buttons, then Train; no thumbnails.
  const order = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    order.push(await focused(page));
  }
  assert.deepEqual(order, ['button Add images', 'button Delete class', 'button Train']);

  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.querySelector('#cancel').hidden);
  assert.equal(await focused(page), 'button Cancel', 'while the step runs the focus is on Cancel');
  await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  assert.equal(await focused(page), 'button Train', 'and back on Train after it');
  assert.deepEqual(errors, []);
});
