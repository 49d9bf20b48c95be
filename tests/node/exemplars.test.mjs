// exemplars.test.mjs - learner.exemplarImages() (icarl_exemplar_image through the wasm exports),
// which the page's Experiment mode uses to draw what herding chose: on both engine flavours it
// returns m images per class at model size, each one of the images the class was given, none
// twice, survives save/load, and refuses an unknown class or a bad limit with a code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createLearner, loadLearner } from '../../web/icarl.js';

const SIZE = 8;
const PER_CLASS = 12;

// Grey images already at model size (so stored bytes equal given bytes): a class stripe on a
// flat value that differs per image.
function image(c, i) {
  const data = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) data[y * SIZE + x] = x === 2 + 3 * c ? 250 : 10 + 7 * i + 90 * c;
  return { width: SIZE, height: SIZE, channels: 1, data };
}

const key = (bytes) => Buffer.from(bytes).toString('hex');

for (const engine of ['simd', 'scalar']) {
  describe(`exemplarImages on the ${engine} engine`, () => {
    test('returns what herding kept: m images per class, each a given image, none twice', async () => {
      const learner = await createLearner({ preset: 'fashion-mnist', inputSize: SIZE, blocksPerStage: 1, baseWidth: 4, batchSize: 8, epochs: 1, memory: 10, engine });
      try {
        const given = [0, 1].map((c) => Array.from({ length: PER_CLASS }, (_, i) => image(c, i)));
        learner.addExamples('zero', given[0]);
        learner.addExamples('one', given[1]);
        assert.deepEqual(learner.exemplarImages('zero'), [], 'nothing before a step');
        await learner.train();
        for (const [c, name] of ['zero', 'one'].entries()) {
          const kept = learner.exemplarImages(name);
          assert.equal(kept.length, 5, 'm = K / classes = 10 / 2');
          const allowed = new Set(given[c].map((g) => key(g.data)));
          const keys = kept.map((k) => key(k.data));
          for (const k of kept) {
            assert.equal(k.width, SIZE);
            assert.equal(k.height, SIZE);
            assert.equal(k.channels, 1);
            assert.ok(allowed.has(key(k.data)), `an exemplar of ${name} is one of its images`);
          }
          assert.equal(new Set(keys).size, keys.length, 'no image twice');
          assert.deepEqual(learner.exemplarImages(name, 2).map((k) => key(k.data)), keys.slice(0, 2), 'limit keeps the priority order');
        }
        const again = await loadLearner(learner.save(), { engine });
        try {
          assert.deepEqual(again.exemplarImages('one').map((k) => key(k.data)), learner.exemplarImages('one').map((k) => key(k.data)));
        } finally {
          again.dispose();
        }
        assert.throws(() => learner.exemplarImages('two'), (error) => error.code === 'UNKNOWN_CLASS');
        assert.throws(() => learner.exemplarImages('one', -1), (error) => error.code === 'INVALID_ARGUMENT');
        assert.deepEqual(learner.exemplarImages('one', 0), []);
      } finally {
        learner.dispose();
      }
    });
  });
}
