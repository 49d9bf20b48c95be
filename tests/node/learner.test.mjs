// learner.test.mjs - the docs/design.md 5.3 API end to end on a tiny synthetic problem (three 8x8
// patterns, a one-block-per-stage ResNet, a few epochs), run against both engine flavours:
// training classifies correctly, save/load round trips exactly, errors carry codes, and an
// AbortSignal cancels a step leaving the learner exactly as it was.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createLearner, IcarlError, loadLearner } from '../../web/icarl.js';

const SIZE = 8;

// Deterministic pseudo-random numbers in [0, 1).
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// Three easily told apart patterns with noise: bright left half, bright top half, checkerboard.
// RGBA like a canvas ImageData unless `channels` is given.
function pattern(kind, random, channels = 4) {
  const data = new Uint8Array(SIZE * SIZE * channels);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const on = kind === 0 ? x < SIZE / 2 : kind === 1 ? y < SIZE / 2 : (x + y) % 2 === 0;
      const value = Math.max(0, Math.min(255, Math.round((on ? 210 : 40) + (random() - 0.5) * 50)));
      for (let c = 0; c < channels; c++) data[(y * SIZE + x) * channels + c] = c === 3 ? 255 : value;
    }
  }
  return channels === 4 ? { width: SIZE, height: SIZE, data } : { width: SIZE, height: SIZE, data, channels };
}

const NAMES = ['left', 'top', 'checker'];

// The epochs schedule, so that a step's length is its epochs (the updates schedule has its own
// tests in publish.test.mjs and test_step_schedule.c).
const TINY = { inputSize: SIZE, channels: 1, blocksPerStage: 1, baseWidth: 4, schedule: 'epochs', epochs: 4, batchSize: 16, memory: 30, seed: 7, cropPadding: 1, brightness: 0 };

async function trainedLearner(engine, random) {
  const learner = await createLearner({ ...TINY, engine });
  NAMES.forEach((name, kind) => learner.addExamples(name, Array.from({ length: 24 }, () => pattern(kind, random))));
  await learner.train();
  return learner;
}

function expectCode(code) {
  return (error) => {
    assert.ok(error instanceof Error, 'an Error');
    assert.ok(error instanceof IcarlError, 'an IcarlError');
    assert.equal(error.code, code, `code ${error.code} (${error.message})`);
    assert.ok(error.message.length > 10, 'a clear message');
    return true;
  };
}

for (const engine of ['simd', 'scalar']) {
  describe(`learner on the ${engine} engine`, () => {
    test('create, add examples, train and classify a tiny 3-class problem', async () => {
      const random = generator(11);
      const learner = await createLearner({ ...TINY, engine });
      try {
        assert.equal(learner.engineFlavour, engine);
        assert.deepEqual(learner.classes, []);
        NAMES.forEach((name, kind) => learner.addExamples(name, Array.from({ length: 24 }, () => pattern(kind, random))));
        assert.deepEqual(learner.classes, NAMES);
        assert.deepEqual(learner.classDetails.map((d) => [d.pending, d.trained]), [[24, false], [24, false], [24, false]]);

        const seen = [];
        const result = await learner.train({ onProgress: (p) => seen.push(p) });
        assert.ok(Number.isFinite(result.loss));
        assert.ok(seen.length > 0 && seen.at(-1).phase === 'done');
        assert.equal(seen.at(-1).done, seen.at(-1).total);
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i].done >= seen[i - 1].done, 'progress never goes back');
        assert.ok(seen.some((p) => p.phase === 'training' && p.epochs === TINY.epochs));

        const memory = learner.memory;
        assert.equal(memory.capacity, 30);
        assert.equal(memory.perClassLimit, 10);
        assert.deepEqual(memory.perClass, { left: 10, top: 10, checker: 10 });
        assert.equal(memory.used, 30);

        let correct = 0;
        for (let i = 0; i < 30; i++) {
          const kind = i % 3;
          const { label, index, score, scores, cnnScores } = learner.classify(pattern(kind, random));
          if (label === NAMES[kind]) correct++;
          assert.equal(scores.length, 3);
          assert.equal(cnnScores.length, 3);
          assert.equal(scores[0].label, label, 'scores are best first and agree with the label');
          assert.equal(NAMES[index], label);
          assert.equal(score, scores[0].score);
          for (let j = 1; j < 3; j++) assert.ok(scores[j - 1].score >= scores[j].score);
        }
        assert.ok(correct >= 28, `${correct}/30 correct`);

        // RGB and grey images classify too (the same pattern in other channel layouts).
        assert.equal(learner.classify(pattern(2, random, 3)).label, 'checker');
        assert.equal(learner.classify(pattern(0, random, 1)).label, 'left');
      } finally {
        learner.dispose();
      }
    });

    test('save/load round trip gives identical classification and identical bytes', async () => {
      const random = generator(5);
      const learner = await trainedLearner(engine, random);
      const bytes = learner.save();
      assert.ok(bytes instanceof Uint8Array && bytes.length > 1000);
      const again = await loadLearner(bytes, { engine });
      try {
        assert.deepEqual(again.classes, learner.classes);
        assert.deepEqual(again.memory, learner.memory);
        assert.deepEqual(again.config, learner.config);
        for (let i = 0; i < 12; i++) {
          const image = pattern(i % 3, random);
          assert.deepEqual(again.classify(image), learner.classify(image));
        }
        assert.deepEqual(again.save(), bytes, 'saving a loaded learner gives the same bytes');
        // An ArrayBuffer works as well as a Uint8Array.
        const third = await loadLearner(bytes.slice().buffer, { engine });
        third.dispose();
      } finally {
        learner.dispose();
        again.dispose();
      }
    });

    test('errors carry codes: no classes, bad images, bad options, disposed learner', async () => {
      const learner = await createLearner({ ...TINY, engine });
      const random = generator(3);
      assert.throws(() => learner.classify(pattern(0, random)), expectCode('NO_CLASSES'));
      await assert.rejects(learner.train(), expectCode('NOTHING_TO_TRAIN'));
      // Bad image sizes and data.
      assert.throws(() => learner.addExamples('x', [{ width: 8, height: 8, data: new Uint8Array(7) }]), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.addExamples('x', [{ width: 0, height: 8, data: new Uint8Array(0) }]), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.addExamples('x', [{ width: 8.5, height: 8, data: new Uint8Array(68) }]), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.addExamples('x', [{ width: 8, height: 8, data: new Uint8Array(64), channels: 2 }]), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.addExamples('x', [{ width: 8, height: 8, data: 'pixels' }]), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.addExamples('x', []), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.addExamples('', [pattern(0, random)]), expectCode('INVALID_ARGUMENT'));
      // One bad image among good ones adds none of them.
      assert.throws(() => learner.addExamples('x', [pattern(0, random), { width: 8, height: 8, data: new Uint8Array(5) }]), expectCode('INVALID_ARGUMENT'));
      assert.deepEqual(learner.classes, []);
      // The engine's own checks come through with its detail message.
      assert.throws(() => learner.addExamples('bad\nname', [pattern(0, random)]), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.reconfigure({ inputSize: 16 }), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => learner.reconfigure({ epochs: 0 }), expectCode('INVALID_ARGUMENT'));
      await assert.rejects(createLearner({ ...TINY, engine, inputSise: 8 }), expectCode('INVALID_ARGUMENT'));
      await assert.rejects(createLearner({ ...TINY, engine, channels: 2 }), (error) => {
        expectCode('INVALID_ARGUMENT')(error);
        assert.match(error.message, /channels/);
        return true;
      });
      await assert.rejects(createLearner({ ...TINY, engine, method: 'magic' }), expectCode('INVALID_ARGUMENT'));

      learner.dispose();
      learner.dispose(); // twice is harmless
      assert.equal(learner.disposed, true);
      assert.throws(() => learner.classify(pattern(0, random)), expectCode('DISPOSED'));
      assert.throws(() => learner.addExamples('x', [pattern(0, random)]), expectCode('DISPOSED'));
      assert.throws(() => learner.save(), expectCode('DISPOSED'));
      assert.throws(() => learner.classes, expectCode('DISPOSED'));
      assert.throws(() => learner.memory, expectCode('DISPOSED'));
      await assert.rejects(learner.train(), expectCode('DISPOSED'));
    });

    test('bad checkpoints are refused with codes, never a crash', async () => {
      const random = generator(9);
      const learner = await trainedLearner(engine, random);
      const bytes = learner.save();
      learner.dispose();
      await assert.rejects(loadLearner(new Uint8Array(0), { engine }), (e) => ['TRUNCATED', 'NOT_A_CHECKPOINT'].includes(e.code));
      await assert.rejects(loadLearner(new TextEncoder().encode('this is not a checkpoint at all'), { engine }), expectCode('NOT_A_CHECKPOINT'));
      await assert.rejects(loadLearner(bytes.subarray(0, bytes.length - 100), { engine }), expectCode('TRUNCATED'));
      const flipped = bytes.slice();
      flipped[Math.floor(flipped.length / 2)] ^= 0x10;
      await assert.rejects(loadLearner(flipped, { engine }), expectCode('CORRUPT'));
      await assert.rejects(loadLearner('not bytes', { engine }), expectCode('INVALID_ARGUMENT'));
      // The engine is still fine afterwards.
      const again = await loadLearner(bytes, { engine });
      again.dispose();
    });

    test('an AbortSignal cancels training; the learner is unchanged and still works', async () => {
      const random = generator(21);
      const learner = await createLearner({ ...TINY, engine, epochs: 50 });
      try {
        NAMES.forEach((name, kind) => learner.addExamples(name, Array.from({ length: 24 }, () => pattern(kind, random))));
        const before = learner.save();

        // Already aborted: nothing starts.
        await assert.rejects(learner.train({ signal: AbortSignal.abort() }), expectCode('ABORTED'));

        // Aborted while running, from a macrotask queued after the third slice: it only runs if
        // train() yields to the event loop between slices, and the step must stop right there.
        const controller = new AbortController();
        let slices = 0;
        let total = 0;
        const running = learner.train({
          signal: controller.signal,
          unitsPerSlice: 1,
          onProgress: (p) => {
            slices++;
            total = p.total;
            if (slices === 3) setTimeout(() => controller.abort(new Error('user pressed stop')), 0);
          },
        });
        await assert.rejects(running, (error) => {
          expectCode('ABORTED')(error);
          assert.equal(error.cause?.message, 'user pressed stop');
          return true;
        });
        assert.ok(slices >= 3 && slices < total, `${slices} of ${total} slices ran: the abort came from the event loop during the step`);
        assert.deepEqual(learner.save(), before, 'the learner is byte-for-byte as before');
        assert.deepEqual(learner.classDetails.map((d) => d.pending), [24, 24, 24]);

        // A throwing onProgress cancels as well, and its error comes through.
        await assert.rejects(learner.train({ onProgress: () => { throw new Error('listener failed'); } }), /listener failed/);
        assert.deepEqual(learner.save(), before);

        // Still works: a short step trains and classifies.
        const result = await learner.train({ epochs: 4 });
        assert.ok(Number.isFinite(result.loss));
        assert.equal(learner.config.epochs, 4);
        let correct = 0;
        for (let i = 0; i < 9; i++) if (learner.classify(pattern(i % 3, random)).label === NAMES[i % 3]) correct++;
        assert.ok(correct >= 8, `${correct}/9 correct after an aborted step`);
      } finally {
        learner.dispose();
      }
    });

    test('a second step adds a class and keeps the old ones (incremental)', async () => {
      const random = generator(13);
      const learner = await createLearner({ ...TINY, engine });
      try {
        learner.addExamples('left', Array.from({ length: 24 }, () => pattern(0, random)));
        learner.addExamples('top', Array.from({ length: 24 }, () => pattern(1, random)));
        await learner.train();
        assert.deepEqual(learner.memory.perClass, { left: 15, top: 15 });
        learner.addExamples('checker', Array.from({ length: 24 }, () => pattern(2, random)));
        assert.deepEqual(learner.classDetails.map((d) => d.trained), [true, true, false]);
        const partial = learner.classify(pattern(0, random));
        assert.equal(partial.scores.length, 2, 'only trained classes are scored');
        await learner.train({ epochs: 6 });
        assert.deepEqual(learner.memory.perClass, { left: 10, top: 10, checker: 10 });
        let correct = 0;
        for (let i = 0; i < 15; i++) if (learner.classify(pattern(i % 3, random)).label === NAMES[i % 3]) correct++;
        assert.ok(correct >= 13, `${correct}/15 correct after two steps`);
      } finally {
        learner.dispose();
      }
    });

    test('dispose during training stops it with DISPOSED', async () => {
      const random = generator(17);
      const learner = await createLearner({ ...TINY, engine, epochs: 50 });
      NAMES.forEach((name, kind) => learner.addExamples(name, Array.from({ length: 12 }, () => pattern(kind, random))));
      let slices = 0;
      // dispose() from a macrotask during the step, as a page's click handler would.
      const running = learner.train({ unitsPerSlice: 1, onProgress: () => { if (++slices === 2) setTimeout(() => learner.dispose(), 0); } });
      await assert.rejects(running, expectCode('DISPOSED'));
      assert.equal(learner.disposed, true);
    });

    test('two learners in one engine do not interfere', async () => {
      const random = generator(23);
      const first = await trainedLearner(engine, random);
      const probe = Array.from({ length: 6 }, (_, i) => pattern(i % 3, random));
      const expected = probe.map((image) => first.classify(image));
      const second = await createLearner({ ...TINY, engine, seed: 99 });
      second.addExamples('other', Array.from({ length: 20 }, () => pattern(2, random)));
      second.addExamples('another', Array.from({ length: 20 }, () => pattern(0, random)));
      await second.train();
      assert.deepEqual(probe.map((image) => first.classify(image)), expected);
      first.dispose();
      second.dispose();
    });
  });
}

test('the same seed gives the same learner, byte for byte, on one build', async () => {
  const make = async () => {
    const random = generator(31);
    const learner = await trainedLearner('simd', random);
    const bytes = learner.save();
    learner.dispose();
    return bytes;
  };
  assert.deepEqual(await make(), await make());
});

test('classifyPrepared labels model-size images in a batch, matching classify', async () => {
  const random = generator(41);
  const learner = await trainedLearner('simd', random);
  try {
    const images = Array.from({ length: 9 }, (_, i) => pattern(i % 3, random, 1));
    const pixels = new Uint8Array(9 * SIZE * SIZE);
    images.forEach((image, i) => pixels.set(image.data, i * SIZE * SIZE));
    const { nme, cnn } = learner.classifyPrepared(pixels, 9);
    assert.equal(nme.length, 9);
    assert.equal(cnn.length, 9);
    images.forEach((image, i) => assert.equal(nme[i], learner.classify(image).index));
  } finally {
    learner.dispose();
  }
});

test('large camera frames grow the wasm memory; views are re-read after growth', async () => {
  const random = generator(51);
  const learner = await createLearner({ ...TINY, engine: 'scalar', inputSize: 8, channels: 3 });
  try {
    // 12 RGBA frames of 1024x768 (3 MiB each) in one call: well past the 16 MiB initial heap,
    // so memory grows while the images are copied in and again inside the engine.
    const frame = (kind) => {
      const width = 1024, height = 768;
      const data = new Uint8Array(width * height * 4);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const on = kind === 0 ? x < width / 2 : y < height / 2;
          const at = (y * width + x) * 4;
          data[at] = data[at + 1] = data[at + 2] = on ? 220 : 30;
          data[at + 3] = 255;
        }
      }
      return { width, height, data };
    };
    learner.addExamples('left', Array.from({ length: 6 }, () => frame(0)));
    learner.addExamples('top', Array.from({ length: 6 }, () => frame(1)));
    learner.addExamples('left', Array.from({ length: 10 }, () => pattern(0, random, 3)));
    learner.addExamples('top', Array.from({ length: 10 }, () => pattern(1, random, 3)));
    await learner.train();
    assert.equal(learner.classify(frame(0)).label, 'left');
    assert.equal(learner.classify(frame(1)).label, 'top');
    const again = await loadLearner(learner.save(), { engine: 'scalar' });
    assert.equal(again.classify(frame(1)).label, 'top');
    again.dispose();
  } finally {
    learner.dispose();
  }
});
