#!/usr/bin/env node
// screenshots.mjs - makes the README's pictures of the page, docs/screenshot.png (desktop,
// 1180 x 860) and docs/screenshot-phone.png (390 x 844), in headless Chromium with the browser
// tests' fake cameras (tests/browser/fake-camera.mjs): class A taught from scene A, then in a
// second launch class B from scene B, one step each; the live prediction says B.
// Usage: node build-scripts/screenshots.mjs   (build first; writes into docs/)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './serve.mjs';
import { addClass, browserMissing, launch, recordSamples, sceneA, sceneB, writeY4m } from '../tests/browser/fake-camera.mjs';

if (browserMissing) {
  console.error(`screenshots: ${browserMissing}`);
  process.exit(1);
}
const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'icarl-screenshots-'));
const { server, url } = await startServer({ port: 0 });

/** Opens the page with `video` as the camera, teaches class `name` 15 frames and trains a step. */
async function teach(video, name) {
  const context = await launch(join(dir, 'profile'), video);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}?epochs=8`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  await addClass(page, name);
  await recordSamples(page, name, 15);
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => /^(Trained|Training failed|Could not)/.test(document.querySelector('#train-status').textContent), null, { timeout: 180_000 });
  await page.locator('h1').click(); // no focus ring in the picture
  await page.waitForFunction((n) => document.querySelector('#predicted-label').textContent === n, name, { timeout: 20_000 });
  await page.waitForTimeout(1500); // the rate line and the bars settle
  return { context, page };
}

try {
  const videoA = writeY4m(join(dir, 'scene-a.y4m'), { pattern: sceneA });
  const videoB = writeY4m(join(dir, 'scene-b.y4m'), { pattern: sceneB });
  await (await teach(videoA, 'A')).context.close();
  const { context, page } = await teach(videoB, 'B');
  await page.screenshot({ path: join(docs, 'screenshot.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(docs, 'screenshot-phone.png') });
  await context.close();
  console.log('wrote docs/screenshot.png and docs/screenshot-phone.png');
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
