// accessibility.test.mjs - the teaching page through Chromium's accessibility tree (the DevTools
// protocol's Accessibility domain), in headless Chromium with a fake camera, after a class was
// recorded and trained so that every control exists: every control has a role and a name (and the
// contract's names are there), the Prediction region is a polite live region, and Tab visits every
// control once, each with a visible focus outline, none of them a thumbnail strip or the page.
import assert from 'node:assert/strict';
import { addClass, browserMissing, recordSamples } from './fake-camera.mjs';
import { oneLaunch } from './one-launch.mjs';
import { needing } from '../node/prerequisites.mjs';

const { test } = needing(browserMissing);
// Roles a person acts on or reads a value from; each needs a name.
const CONTROL_ROLES = new Set(['button', 'textbox', 'checkbox', 'combobox', 'tab', 'link', 'progressbar', 'slider', 'spinbutton', 'DisclosureTriangle', 'region', 'dialog']);
const launched = oneLaunch('a11y');

/** The accessibility tree's nodes that assistive technology sees: {role, name, properties}. */
async function accessibleNodes(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  return nodes.filter((node) => !node.ignored).map((node) => ({
    role: node.role?.value,
    name: node.name?.value ?? '',
    properties: Object.fromEntries((node.properties ?? []).map((p) => [p.name, p.value?.value])),
  }));
}

/** The focused element: a description, and whether it shows a focus outline. */
function focusedElement(page) {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (!active || active === document.body) return { what: 'body' };
    const style = getComputedStyle(active);
    const box = active.getBoundingClientRect();
    return {
      what: `${active.tagName.toLowerCase()}#${active.id}.${active.className} "${(active.getAttribute('aria-label') ?? active.textContent).trim().slice(0, 30)}"`,
      outline: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2,
      visible: box.width > 0 && box.height > 0,
      inThumbnails: active.closest('.thumbs') !== null,
      node: active,
    };
  }).then(({ node, ...rest }) => rest);
}

test('every control has a role and a name, the prediction is announced politely, and Tab shows where it is', { timeout: 180_000 }, async (t) => {
  const page = await launched.page();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${launched.url}?epochs=1`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  await addClass(page, 'Mug');
  await recordSamples(page, 'Mug', 5);
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 120_000 });
  await page.waitForFunction(() => window.icarlPage.stats.classifyMs > 0);

  const nodes = await accessibleNodes(page);
  const unnamed = nodes.filter((node) => CONTROL_ROLES.has(node.role) && !node.name.trim());
  assert.deepEqual(unnamed, [], 'every control has a name');
  const named = new Set(nodes.map((node) => `${node.role} ${node.name}`));
  for (const control of ['button Add class', 'textbox Class name', 'button Hold to record', 'button Add images', 'button Delete class',
    'button Train', 'progressbar Training progress', 'region Prediction', 'button Export model', 'button Import model', 'button Reset',
    'tab Webcam', 'tab Experiment', 'checkbox Mirror preview', 'DisclosureTriangle What is kept?', 'DisclosureTriangle Technical details']) {
    assert.ok(named.has(control), `the tree has ${control}`);
  }
  const region = nodes.find((node) => node.role === 'region' && node.name === 'Prediction');
  assert.equal(region.properties.live, 'polite', 'the Prediction region announces changes politely');
  assert.match((await page.getByRole('region', { name: 'Prediction' }).innerText()).trim(), /^Mug/);

  // Tab from the top through every control until the focus comes round again.
  await page.locator('h1').click(); // Tab starts from the top
  const seen = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const focus = await focusedElement(page);
    if (focus.what === 'body' && seen.length) break; // past the last control
    if (seen.some((earlier) => earlier.what === focus.what)) break;
    seen.push(focus);
  }
  t.diagnostic(`Tab stops: ${seen.length}`);
  assert.ok(seen.length >= 12, `Tab reaches the page's controls (${seen.map((f) => f.what).join(', ')})`);
  for (const focus of seen) {
    assert.notEqual(focus.what, 'body');
    assert.ok(focus.visible, `${focus.what} is on screen`);
    assert.ok(focus.outline, `${focus.what} shows a focus outline`);
    assert.equal(focus.inThumbnails, false, `${focus.what}: thumbnails are no Tab stop`);
  }
  assert.deepEqual(errors, []);
});
