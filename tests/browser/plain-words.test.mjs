// plain-words.test.mjs - what the teaching page says, in headless Chromium with a fake camera:
// the Prediction region says what to do next in each state until a class is trained (and that it
// is learning during the first step); the time left is in words a person would say, and the first
// estimate comes from measured speed and is within 2x of the real time (on a simulated step with a
// slow start, exactly, and on a real step); the memory reads "N of K example images kept" with K
// explained one click away; the engine is named in the details line, not in the status; an
// import error is one message, not a sentence and its own repetition; destructive buttons look
// like buttons.
import assert from 'node:assert/strict';
import { addClass, browserMissing, recordSamples } from './fake-camera.mjs';
import { oneLaunch } from './one-launch.mjs';
import { needing } from '../node/prerequisites.mjs';

const { test } = needing(browserMissing);
const SPOKEN_TIME_LEFT = /· (a few seconds|about \d+ seconds|less than a minute|about a minute|about \d+ minutes|about an hour|about \d+ hours) left$/;
const launched = oneLaunch('words', { singleThread: true }); // a real step's time, estimated and measured

const prediction = async (page) => (await page.getByRole('region', { name: 'Prediction' }).innerText()).replace(/\s+/g, ' ').trim();

test('the time-left estimator: a slow start and cheap early units do not mislead the first estimate', async () => {
  const page = await launched.page();
  await page.goto(`${launched.url}?epochs=1`);
  // A simulated step: 4 s of worker start-up, 300 cheap units (0.01 s) of old outputs, 300
  // training units (0.1 s), 40 herding units (0.02 s); progress every 0.05 s.
  const result = await page.evaluate(async () => {
    const { timeLeftEstimator } = await import('./time-left.js');
    const phases = [['targets', 300, 0.01], ['training', 300, 0.1], ['herding', 40, 0.02]];
    const total = phases.reduce((sum, [, units]) => sum + units, 0);
    const end = 4 + phases.reduce((sum, [, units, cost]) => sum + units * cost, 0);
    const estimate = timeLeftEstimator();
    let elapsed = 4;
    let done = 0;
    let lastReport = 0;
    for (const [phase, units, cost] of phases) {
      for (let u = 0; u < units; u++) {
        elapsed += cost;
        done++;
        if (elapsed - lastReport < 0.05) continue;
        lastReport = elapsed;
        const left = estimate({ done, total, elapsed, measure: phase === 'training' });
        if (left !== null) return { left, real: end - elapsed, phase, done };
      }
    }
    return null;
  });
  assert.ok(result, 'an estimate came');
  assert.equal(result.phase, 'training');
  const ratio = result.left / result.real;
  assert.ok(ratio >= 0.5 && ratio <= 2, `the first estimate ${result.left.toFixed(1)} s for ${result.real.toFixed(1)} s left`);
});

test('hints, time left, memory, details and errors in plain words; destructive buttons look like buttons', { timeout: 240_000 }, async (t) => {
  const page = await launched.page();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());
  // No early stop (patience=0): the first estimate is measured against the work planned, which
  // a step that converges early does not finish; how soon it converges no estimate can know.
  await page.goto(`${launched.url}?epochs=40&set=patience=0`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });

  assert.equal(await prediction(page), 'No prediction yet — add a class and record examples of it.');
  await addClass(page, 'Mug');
  assert.equal(await prediction(page), 'No prediction yet — hold “Hold to record” while showing the object.');
  await recordSamples(page, 'Mug', 30);
  assert.equal(await prediction(page), 'No prediction yet — press Train to learn the examples.');

  // The first step: the hint says it is learning; the status gives the time left in words.
  const statuses = new Set();
  const watcher = setInterval(() => page.locator('#train-status').textContent().then((text) => statuses.add(text), () => {}), 100);
  t.after(() => clearInterval(watcher)); // a failing assertion must not leave the run waiting on it
  await page.getByRole('button', { name: 'Train' }).click();
  assert.equal(await prediction(page), 'No prediction yet — learning now; the first predictions come in a few seconds.');
  await page.waitForFunction(() => /^Trained/.test(document.querySelector('#train-status').textContent), null, { timeout: 180_000 });
  clearInterval(watcher);
  const withTime = [...statuses].filter((text) => / left$/.test(text));
  t.diagnostic(`statuses with a time left: ${withTime.slice(0, 3).join(' | ')} ...`);
  assert.ok(withTime.length > 0, 'the status said how long was left');
  for (const text of withTime) assert.match(text, SPOKEN_TIME_LEFT);
  const step = await page.evaluate(() => window.icarlPage.lastStep);
  const real = (step.finished - step.firstEstimate.at) / 1000;
  t.diagnostic(`first estimate ${step.firstEstimate.secondsLeft.toFixed(1)} s after ${((step.firstEstimate.at - step.started) / 1000).toFixed(1)} s; really ${real.toFixed(1)} s left; step ${((step.finished - step.started) / 1000).toFixed(1)} s`);
  const ratio = step.firstEstimate.secondsLeft / real;
  assert.ok(ratio >= 0.5 && ratio <= 2, `the first estimate (${step.firstEstimate.secondsLeft.toFixed(1)} s) is within 2x of the real time left (${real.toFixed(1)} s)`);
  await page.waitForFunction(() => document.querySelector('#predicted-label').textContent === 'Mug', null, { timeout: 20_000 });
  assert.match(await prediction(page), /^Mug · \d+% sure/);

  // No engine in the status line; it is in the details line.
  const status = await page.locator('#train-status').textContent();
  assert.doesNotMatch(status, /engine|simd/);
  assert.match(await page.locator('#train-detail').textContent(), /^Last step: (simd-threads|simd|scalar) engine/);

  // Memory: "N of K example images kept", K explained one click away.
  assert.match(await page.locator('#memory-summary').textContent(), /^\d+ of 2000 example images kept/);
  await page.getByText('What is kept?').click();
  assert.match(await page.locator('details.explain p').innerText(), /at most 2000 example images in total/);
  assert.match(await page.locator('#memory-list').innerText(), /^Mug: \d+ kept/);

  // One message per error.
  for (const [name, bytes, words] of [['junk.icarl', Buffer.from('not a model at all'), 'not an icarl checkpoint'], ['cut.icarl', null, 'truncated']]) {
    const buffer = bytes ?? Buffer.from(await page.evaluate(() => Array.from(window.icarlPage.learner.save().subarray(0, 5000))));
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import model' }).click()]);
    await chooser.setFiles({ name, mimeType: 'application/octet-stream', buffer });
    await page.waitForFunction((n) => document.querySelector('#notice').textContent.includes(n), name);
    const notice = await page.locator('#notice').textContent();
    t.diagnostic(notice);
    assert.ok(notice.startsWith(`Could not import “${name}”: `), notice);
    assert.equal(notice.split(words).length - 1, 1, `"${words}" said once: ${notice}`);
    assert.doesNotMatch(notice, /: [^:]+: /, `one reason, not a sentence before it: ${notice}`);
  }

  // Destructive buttons: a border in the text's (danger) colour, not faded.
  for (const button of [page.getByRole('button', { name: 'Delete class' }), page.getByRole('button', { name: 'Reset' })]) {
    const look = await button.evaluate((node) => {
      const style = getComputedStyle(node);
      return { border: style.borderTopColor, width: style.borderTopWidth, colour: style.color, opacity: style.opacity };
    });
    assert.equal(look.border, look.colour, `a border in the danger colour: ${JSON.stringify(look)}`);
    assert.notEqual(look.border, 'rgba(0, 0, 0, 0)');
    assert.ok(Number.parseFloat(look.width) >= 1 && look.opacity === '1', JSON.stringify(look));
  }
  assert.deepEqual(errors, []);
});
