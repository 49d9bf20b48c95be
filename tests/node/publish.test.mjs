// publish.test.mjs - a step that is usable at once and better with time, through the JS API:
// train({publishAfterSeconds, publishEverySeconds, onPublish}) publishes mid-step; the learner
// classifies and saves the publication while the step trains on; an abort keeps the last
// publication; and the step's final learner is the same with or without publications.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLearner, loadLearner } from '../../web/icarl.js';

const SIDE = 8;
function square(index, channel) {
  const data = new Uint8Array(SIDE * SIDE * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i % 3 === channel ? 150 : 0) + ((i * 31 + index * 17) % 60);
  return { width: SIDE, height: SIDE, data, channels: 3 };
}
const images = (channel) => Array.from({ length: 12 }, (_, i) => square(i, channel));

async function learnerWithTwoClasses(options = {}) {
  const learner = await createLearner({
    inputSize: SIDE, blocksPerStage: 1, baseWidth: 4, batchSize: 8, memory: 30, threads: 1,
    schedule: 'updates', epochs: 3, minUpdates: 40, maxUpdates: 0, patience: 0, engine: 'simd', ...options,
  });
  learner.addExamples('red', images(0));
  learner.addExamples('green', images(1));
  return learner;
}

test('the updates schedule gives a small step its floor of updates', async () => {
  const learner = await learnerWithTwoClasses();
  const seen = [];
  const result = await learner.train({ onProgress: (p) => seen.push(p) });
  assert.equal(result.updates, 40);
  assert.equal(seen.at(-1).plannedUpdates, 40);
  assert.equal(seen.at(-1).phase, 'done');
  assert.equal(result.published, 1); // the end of the step is its one publication
  learner.dispose();
});

test('publications are usable at once, and do not change the final learner', async () => {
  const plain = await learnerWithTwoClasses();
  await plain.train();
  const expected = plain.save();
  plain.dispose();

  const learner = await learnerWithTwoClasses();
  const publications = [];
  const result = await learner.train({
    publishAfterSeconds: 0,
    publishEverySeconds: 0,
    unitsPerSlice: 4,
    onPublish: (publication) => {
      // Mid-step, the learner holds the step so far: trained classes that classify and save.
      assert.equal(learner.classDetails.every((c) => c.trained && c.pending === 0), true);
      assert.ok(['red', 'green'].includes(learner.classify(square(0, 0)).label));
      publications.push({ ...publication, bytes: learner.save() });
    },
  });
  assert.ok(publications.length >= 3, `${publications.length} publications`);
  assert.deepEqual(publications.map((p) => p.published), publications.map((_, i) => i + 1));
  assert.ok(publications.every((p, i) => i === 0 || p.updates > publications[i - 1].updates));
  assert.equal(result.published, publications.length + 1);
  assert.deepEqual(learner.save(), expected);
  const early = await loadLearner(publications[0].bytes, { engine: 'simd' });
  assert.deepEqual(early.classes, ['red', 'green']);
  early.dispose();
  learner.dispose();
});

test('an abort after a publication keeps it, and says so', async () => {
  const learner = await learnerWithTwoClasses({ minUpdates: 400 });
  const controller = new AbortController();
  let publishedBytes = null;
  await assert.rejects(
    learner.train({
      publishAfterSeconds: 0,
      unitsPerSlice: 2,
      signal: controller.signal,
      onPublish: () => {
        publishedBytes = learner.save();
        controller.abort();
      },
    }),
    (error) => error.code === 'ABORTED' && error.published === 1 && /keeps the step's last publication/.test(error.message),
  );
  assert.deepEqual(learner.save(), publishedBytes);
  const copy = await loadLearner(publishedBytes, { engine: 'simd' });
  assert.deepEqual(learner.classify(square(1, 1)), copy.classify(square(1, 1)));
  copy.dispose();

  // Without a publication an abort leaves the learner as before.
  const fresh = await learnerWithTwoClasses();
  const before = fresh.save();
  const stop = new AbortController();
  await assert.rejects(fresh.train({ signal: stop.signal, unitsPerSlice: 1, onProgress: (p) => p.updates >= 3 && stop.abort() }),
    (error) => error.code === 'ABORTED' && error.published === 0 && /unchanged/.test(error.message));
  assert.deepEqual(fresh.save(), before);
  fresh.dispose();
  learner.dispose();
});

test('no later publication when the step\'s training ends within a third of the interval anyway', async () => {
  const learner = await learnerWithTwoClasses({ minUpdates: 120 });
  // A clock that advances 1 ms per reading makes every slice of one unit (one update while
  // training) take the same time: the decisions below are then the same on any machine.
  const realNow = performance.now;
  let clock = 0;
  performance.now = () => (clock += 1);
  const publications = [];
  let result;
  try {
    result = await learner.train({ publishAfterSeconds: 0, publishEverySeconds: 0.09, unitsPerSlice: 1, onPublish: (p) => publications.push(p) });
  } finally {
    performance.now = realNow;
  }
  // 1 ms per update: a publication is skipped once fewer than 30 updates (30 ms, a third of
  // 90 ms) of training are left; until then they come every 10 updates or so (herding and
  // means take the rest of each 90 ms).
  assert.equal(result.updates, 120);
  assert.ok(publications.length >= 5, `${publications.length} publications`);
  const left = publications.map((p) => p.plannedUpdates - p.updates);
  assert.ok(left.every((n) => n >= 30), `publications with ${left.join(', ')} updates left`);
  assert.ok(left.at(-1) < 50, `the last publication with ${left.at(-1)} updates left: publications stopped early`);
  assert.equal(result.published, publications.length + 1);
  learner.dispose();
});
