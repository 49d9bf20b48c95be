// experiment-page.mjs - the page's Experiment mode measured in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core): open the page at #experiment with its default
// settings (or a query string given), press "Run experiment", wait for the end, and print the wall
// time, the engine the worker ran and the accuracy per step of iCaRL and finetuning. By default
// once per engine the page can get: 'simd-threads' (served with COOP/COEP, cross-origin isolated)
// and 'simd' (served without them, first visit). --screenshot PATH saves the finished page of the
// first run (README's docs/experiment.png is made so). Not a test.
// Usage: node bench/experiment-page.mjs [--query 'exp-epochs=3'] [--only simd|simd-threads]
//                                       [--screenshot docs/experiment.png]      (build first)
import { loadavg } from 'node:os';

import { startServer } from '../build-scripts/serve.mjs';
import { chromiumAvailable, launchWithoutCamera } from '../tests/browser/fake-camera.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const query = option('--query') ?? '';
const screenshot = option('--screenshot');
const flavours = option('--only') ? [option('--only')] : ['simd-threads', 'simd'];

if (!chromiumAvailable) {
  console.log('experiment-page: no Chromium at /usr/bin/chromium (run build-scripts/setup.sh)');
  process.exit(0);
}

const browser = await launchWithoutCamera();
let failed = false;
try {
  for (const [round, flavour] of flavours.entries()) {
    const { server, url } = await startServer({ port: 0, isolation: flavour === 'simd-threads' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
      await page.goto(`${url}?${query}#experiment`);
      await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
      const load = loadavg()[0].toFixed(2);
      const clicked = Date.now();
      await page.getByRole('button', { name: 'Run experiment' }).click();
      await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.body.dataset.experiment), null, { timeout: 1_800_000 });
      const wall = (Date.now() - clicked) / 1000;
      const state = await page.evaluate(() => window.icarlExperiment);
      console.log(await page.locator('#experiment-status').textContent());
      if (state.status !== 'done') {
        failed = true;
        continue;
      }
      if (state.flavour !== flavour) console.log(`note: asked for ${flavour}, the worker ran ${state.flavour}`);
      const line = (method) => state.results.filter((r) => r.method === method).map((r) => r.accuracy.toFixed(3)).join(' ');
      const mean = (method) => {
        const values = state.results.filter((r) => r.method === method).map((r) => r.accuracy);
        return (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3);
      };
      console.log(`${state.flavour}: ${wall.toFixed(1)} s from the click (worker ${state.seconds.toFixed(1)} s), load average at start ${load}`);
      console.log(`  iCaRL      per step ${line('icarl')}   average ${mean('icarl')}`);
      console.log(`  finetuning per step ${line('finetune')}   average ${mean('finetune')}`);
      console.log(`  iCaRL's network outputs (CNN) per step ${state.results.filter((r) => r.method === 'icarl').map((r) => r.cnnAccuracy.toFixed(3)).join(' ')}`);
      const last = state.results.filter((r) => r.method === 'icarl').at(-1);
      console.log(`  forgetting after the last step: iCaRL ${last.forgetting.toFixed(3)}, finetuning ${state.results.at(-1).forgetting.toFixed(3)}`);
      if (screenshot && round === 0) {
        await page.screenshot({ path: screenshot, fullPage: true });
        console.log(`  screenshot: ${screenshot}`);
      }
    } finally {
      await context.close();
      server.close();
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
