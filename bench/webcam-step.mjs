// webcam-step.mjs - the page's webcam step measured in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, the browser tests' launch flags and fake camera):
// teach 3 classes of 50 frames each by holding "Hold to record", press Train (one step of the
// page's default network, 32x32x3 ResNet-14, with the webcam preset's schedule), and time
//   - the first prediction: from the click until the Prediction box names a taught class (or says
//     "Not sure"), which the page does from the step's first publication while it trains on;
//   - the step: from the click to the training worker's 'done' message, when the step has
//     converged or reached its cap (worker start-up, engine load on the first step, checkpoint
//     transfer and training: what a person waits for until "Improving" ends), with the worker's
//     own train() seconds, its SGD updates and its per-phase split (targets, training, herding,
//     means);
//   - classifying one camera frame (96x96 RGBA, as the page does) on the page's main thread:
//     median of back-to-back learner.classify() calls.
// For both engines the page can get: 'simd-threads' (served with COOP/COEP, so the page is
// cross-origin isolated) and 'simd' (served without them, with the page's reload into
// isolation switched off: the single-thread fallback). Rounds alternate between the two, each
// in a fresh profile; medians are printed.
// With --simd128 the page's worker trains with the simd128 kernels where the browser runs relaxed
// SIMD (the page's ?relaxed=0), to compare the two.
// Not a test. Usage: node bench/webcam-step.mjs [rounds] [--simd128]   (default 3; build first)
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from '../build-scripts/serve.mjs';
import { addClass, chromiumAvailable, holdToRecord, launch, sceneA, writeY4m } from '../tests/browser/fake-camera.mjs';

const ROUNDS = Number(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 3);
const QUERY = process.argv.includes('--simd128') ? '?relaxed=0' : '';
const CLASSES = ['red', 'green', 'blue'];
const FRAMES = 50;
const CLASSIFY_CALLS = 200;

if (!chromiumAvailable) {
  console.log('webcam-step: no Chromium at /usr/bin/chromium (run build-scripts/setup.sh)');
  process.exit(0);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

// Before any page script: keep what the training worker reports at the end of a step (the page
// itself shows only the seconds).
function recordWorkerResults() {
  const NativeWorker = window.Worker;
  window.benchSteps = [];
  window.benchPublications = [];
  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      super(url, options);
      this.addEventListener('message', (event) => {
        const { type, seconds, phaseSeconds, flavour, relaxedSimd, threads, updates } = event.data ?? {};
        if (type === 'done') window.benchSteps.push({ at: performance.now(), seconds, phaseSeconds, flavour, relaxedSimd, threads, updates });
        if (type === 'published') window.benchPublications.push({ at: performance.now(), seconds, updates });
      });
    }
  };
}

async function sampleCount(page, name) {
  const text = await page.locator(`.class-card[data-name="${name}"] .count`).textContent();
  return Number(text.match(/^(\d+) sample/)[1]);
}

/** One round on a fresh profile: returns the measurements, or throws. */
async function round(url, dir, index, singleThread) {
  const context = await launch(join(dir, `profile-${index}`), join(dir, 'scene.y4m'));
  try {
    await context.addInitScript(recordWorkerResults);
    // The page reloads itself once into isolation when its service worker takes control; the
    // single-thread rounds measure the fallback, so they set the page's own once-per-tab guard.
    if (singleThread) await context.addInitScript(() => sessionStorage.setItem('icarl-isolation-reload', 'bench'));
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('dialog', (dialog) => dialog.accept());
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
    const isolated = await page.evaluate(() => self.crossOriginIsolated);

    // 3 classes x 50 frames: hold the button until the page has recorded 50 (10 per second).
    for (const name of CLASSES) {
      await addClass(page, name);
      await holdToRecord(page, name, () => page.waitForFunction(([n, count]) => {
        const text = document.querySelector(`.class-card[data-name="${n}"] .count`)?.textContent ?? '';
        return Number(text.match(/^(\d+) sample/)?.[1] ?? 0) >= count;
      }, [name, FRAMES], { timeout: 30_000, polling: 10 }));
    }
    const frames = [];
    for (const name of CLASSES) frames.push(await sampleCount(page, name));

    // One step, timed from the click to the first prediction and to the worker's 'done'.
    const clicked = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Train' }).click();
    const firstPrediction = await page.waitForFunction((names) => {
      const text = document.querySelector('#predicted-label')?.textContent ?? '';
      return names.includes(text) || text === 'Not sure' ? performance.now() : false;
    }, CLASSES, { timeout: 300_000, polling: 20 }).then((handle) => handle.jsonValue());
    await page.waitForFunction(() => window.benchSteps.length > 0 || /^(Training failed|Could not)/.test(document.querySelector('#train-status').textContent), null, { timeout: 300_000 });
    const step = await page.evaluate(() => window.benchSteps[0]);
    const publications = await page.evaluate(() => window.benchPublications.length);
    if (!step) throw new Error(`training failed: ${await page.locator('#train-status').textContent()}`);
    await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 30_000 });

    // Classifying one frame on the main thread, as the page does for every video frame.
    const classify = await page.evaluate((calls) => {
      const video = document.querySelector('video');
      const canvas = new OffscreenCanvas(96, 96);
      const context2d = canvas.getContext('2d', { willReadFrequently: true });
      context2d.drawImage(video, 0, 0, 96, 96);
      const frame = context2d.getImageData(0, 0, 96, 96);
      const learner = window.icarlPage.learner;
      for (let i = 0; i < 10; i++) learner.classify(frame); // warm-up
      const times = [];
      for (let i = 0; i < calls; i++) {
        const start = performance.now();
        learner.classify(frame);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return { median: times[times.length >> 1], flavour: learner.engineFlavour, threads: learner.threads, pageEstimate: window.icarlPage.stats.classifyMs };
    }, CLASSIFY_CALLS);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { isolated, frames, firstPrediction: (firstPrediction - clicked) / 1000, publications, stepWall: (step.at - clicked) / 1000, step, classify };
  } finally {
    await context.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'icarl-webcam-bench-'));
writeY4m(join(dir, 'scene.y4m'), { pattern: sceneA });
const servers = { 'simd-threads': await startServer({ port: 0 }), simd: await startServer({ port: 0, isolation: false }) };
const results = { 'simd-threads': [], simd: [] };
console.log(`webcam step: ${CLASSES.length} classes x ${FRAMES} frames, the page's default network and schedule; ${ROUNDS} rounds per engine, interleaved`);
console.log(`load average at start: ${load()}`);
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const expected of ['simd-threads', 'simd']) {
      const result = await round(`${servers[expected].url}${QUERY}`, dir, `${expected}-${r}`, expected === 'simd');
      const { step, classify } = result;
      if (step.flavour !== expected) throw new Error(`expected the ${expected} engine, the worker ran ${step.flavour} (isolated ${result.isolated})`);
      const p = step.phaseSeconds;
      console.log(`round ${r + 1} ${expected.padEnd(12)} frames ${result.frames.join('/')}  first prediction ${result.firstPrediction.toFixed(2)} s  step ${result.stepWall.toFixed(2)} s (${step.updates} updates, ${result.publications} publications; worker train ${step.seconds.toFixed(2)} s, ${step.threads} thread${step.threads === 1 ? "" : "s"}, ${step.relaxedSimd ? "relaxed SIMD" : "simd128"} kernels: targets ${p.targets.toFixed(2)}, training ${p.training.toFixed(2)}, herding ${p.herding.toFixed(3)}, means ${p.means.toFixed(3)})  classify ${classify.median.toFixed(2)} ms (${classify.flavour}, ${classify.threads} thread${classify.threads === 1 ? '' : 's'})  load ${load()}`);
      results[expected].push(result);
    }
  }
} finally {
  for (const { server } of Object.values(servers)) server.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log();
console.log(`${'engine'.padEnd(14)}${'first s'.padStart(9)}${'step s'.padStart(9)}${'train s'.padStart(9)}${'training'.padStart(10)}${'herding'.padStart(9)}${'means'.padStart(8)}${'herd+means'.padStart(12)}${'classify ms'.padStart(13)}`);
for (const [engine, list] of Object.entries(results)) {
  const m = (f) => median(list.map(f));
  const train = m((x) => x.step.seconds);
  const share = m((x) => (x.step.phaseSeconds.herding + x.step.phaseSeconds.means) / x.step.seconds);
  console.log(`${engine.padEnd(14)}${m((x) => x.firstPrediction).toFixed(2).padStart(9)}${m((x) => x.stepWall).toFixed(2).padStart(9)}${train.toFixed(2).padStart(9)}${m((x) => x.step.phaseSeconds.training).toFixed(2).padStart(10)}${m((x) => x.step.phaseSeconds.herding).toFixed(3).padStart(9)}${m((x) => x.step.phaseSeconds.means).toFixed(3).padStart(8)}${`${(100 * share).toFixed(1)} %`.padStart(12)}${m((x) => x.classify.median).toFixed(2).padStart(13)}`);
  console.log(`result webcam ${engine} first_prediction ${m((x) => x.firstPrediction).toFixed(2)} step ${m((x) => x.stepWall).toFixed(2)} updates ${m((x) => x.step.updates)} train ${train.toFixed(2)} herding_means_share ${share.toFixed(4)} classify_ms ${m((x) => x.classify.median).toFixed(3)}`);
}
console.log(`(medians of ${ROUNDS}; load average at the end: ${load()})`);
