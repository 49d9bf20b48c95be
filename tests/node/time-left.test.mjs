// time-left.test.mjs - the page's time-left estimate (web/time-left.js) on a simulated step that
// publishes its learner a few seconds in: the publication's herding and class means are not
// training's time, so the first estimate after it is not inflated by them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeLeftEstimator } from '../../web/time-left.js';

test('a publication in the middle of training does not inflate the time left', () => {
  // 300 training units of 0.05 s; after 1.5 s of them the step publishes (1.5 s of herding and
  // means, reported as such); 20 herding units of 0.02 s at the end. Progress every 0.05 s.
  const unit = 0.05, units = 300, publishAfter = 30, publication = 1.5, tail = 20, tailCost = 0.02;
  const total = units + tail;
  const end = units * unit + publication + tail * tailCost;
  const estimate = timeLeftEstimator();
  let elapsed = 0;
  let first = null;
  for (let done = 1; done <= units && first === null; done++) {
    elapsed += unit;
    const left = estimate({ done, total, elapsed, measure: true });
    if (left !== null) first = { left, real: end - elapsed, done };
    if (done === publishAfter) {
      for (let t = 0.05; t <= publication + 1e-9; t += 0.05) estimate({ done, total, elapsed: elapsed + t, measure: false });
      elapsed += publication;
    }
  }
  assert.ok(first, 'an estimate came');
  assert.ok(first.done > publishAfter, 'the first estimate came after the publication');
  const ratio = first.left / first.real;
  assert.ok(ratio >= 0.8 && ratio <= 1.25, `first estimate ${first.left.toFixed(2)} s for ${first.real.toFixed(2)} s left`);
});
