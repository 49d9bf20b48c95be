// first-visit.test.mjs - a person's first visit on a static host that sends no COOP/COEP headers
// (serve.mjs isolation: false), in headless Chromium with a fake camera and a fresh profile. The
// page reloads itself once to become cross-origin isolated (isolation-reload.js); that must happen
// before it accepts input, never under a person who has started: click "Add class" and type a name
// the moment the page lets you, record for 2 s, close the browser 3 s later; on the next launch the
// class and its frames are there. Five fresh profiles in a row, since the reload raced with the
// person only now and then. The click and the name come from a script in the page that starts them
// in the same task in which the page says it started, so they land well within the first 500 ms
// however busy the machine is (a round trip from the test can take longer than that on two loaded
// cores); the recording holds the real mouse button.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../build-scripts/serve.mjs';
import { needing } from '../node/prerequisites.mjs';
import { browserMissing, holdToRecord, launch, sceneA, writeY4m } from './fake-camera.mjs';

const { test } = needing(browserMissing);
const ROUNDS = 5;
let server;
let dir;
let video;
const contexts = new Set(); // closed in after() too, so a failing test never leaves Chromium running

before(async () => {
  if (browserMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'icarl-first-visit-'));
  video = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
  server = await startServer({ port: 0, isolation: false });
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  server?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs before the page's scripts in every document: notes the load (isolated or not, its
// navigation type) in sessionStorage; once the page says it started (body[data-ready]), clicks
// "Add class", types `name` into the box that takes the focus and presses Enter, and notes in
// window.testActed how long after the start that was done. It acts once per tab.
function actAtOnce(name) {
  try {
    const loads = JSON.parse(sessionStorage.getItem('test-loads') ?? '[]');
    loads.push({ isolated: self.crossOriginIsolated, type: performance.getEntriesByType('navigation')[0]?.type });
    sessionStorage.setItem('test-loads', JSON.stringify(loads));
  } catch {
    return; // about:blank
  }
  if (sessionStorage.getItem('test-acted')) return; // a person acts once, not again after a reload
  const observer = new MutationObserver(() => {
    if (document.body?.dataset.ready !== 'true') return;
    observer.disconnect();
    sessionStorage.setItem('test-acted', 'yes');
    const readyAt = performance.now();
    [...document.querySelectorAll('button')].find((button) => button.textContent.trim() === 'Add class').click();
    const box = document.activeElement;
    const label = box.getAttribute('aria-label');
    box.value = name;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    window.testActed = { after: performance.now() - readyAt, label };
  });
  observer.observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
}

/** Waits until the page has started (an evaluate that meets the page's own reload fails and is
 * tried again in the next document). */
async function waitUntilUsable(page) {
  const deadline = Date.now() + 60_000;
  while (!(await page.evaluate(() => document.body?.dataset.ready === 'true').catch(() => false))) {
    if (Date.now() > deadline) throw new Error('the page did not start within a minute');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function open(profile, name) {
  const context = await launch(profile, video);
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  if (name) await context.addInitScript(actAtOnce, name);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

for (let round = 1; round <= ROUNDS; round++) {
  test(`first visit ${round} of ${ROUNDS}: what a person adds and records at once survives the isolation reload and a closed browser`, { timeout: 120_000 }, async (t) => {
    const profile = join(dir, `profile-${round}`);
    const name = `Mug ${round}`;
    let recorded = 0;
    {
      const { context, page, errors } = await open(profile, name);
      await page.goto(server.url, { waitUntil: 'commit' });
      await waitUntilUsable(page);
      const acted = await page.evaluate(() => window.testActed);
      t.diagnostic(`the page took ${acted.after.toFixed(1)} ms to add and name the class`);
      assert.equal(acted.label, 'Class name', '"Add class" put the focus in the new class\'s name box');
      await page.waitForFunction((n) => window.icarlPage.meta.classes.some((c) => c.name === n), name);
      // The scenario's times, not waits for the page: it must keep what it has, whenever closed.
      await holdToRecord(page, name, () => page.waitForTimeout(2000));
      await page.waitForTimeout(3000);
      // Still the document the person typed into: nothing reloaded under them.
      assert.ok(await page.evaluate(() => window.testActed !== undefined), 'the same document');
      assert.equal(await page.getByRole('textbox', { name: 'Class name' }).inputValue(), name);
      recorded = await page.evaluate((n) => window.icarlPage.meta.classes.find((c) => c.name === n).samples, name);
      assert.ok(recorded > 0, 'holding the button recorded');
      const loads = await page.evaluate(() => JSON.parse(sessionStorage.getItem('test-loads')));
      t.diagnostic(`loads: ${JSON.stringify(loads)}, decision: ${await page.evaluate(() => document.body.dataset.isolationReload)}`);
      assert.deepEqual(loads.map((load) => load.type), ['navigate', 'reload'], 'one reload, while the page prepared');
      assert.equal(loads[1].isolated, true, 'and it made the page isolated');
      assert.deepEqual(errors, []);
      await context.close();
    }
    {
      const { context, page, errors } = await open(profile);
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      const card = await page.evaluate((n) => window.icarlPage.meta.classes.find((c) => c.name === n), name);
      assert.ok(card, `the class "${name}" came back`);
      assert.equal(card.samples, recorded, 'with every frame recorded before the browser closed');
      const pending = await page.evaluate((n) => window.icarlPage.learner.classDetails.find((d) => d.name === n)?.pending, name);
      assert.equal(pending, card.samples, 'the learner holds every frame the card counts');
      assert.deepEqual(errors, []);
      await context.close();
    }
  });
}
