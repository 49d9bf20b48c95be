// threads.test.mjs - the threads flavour (web/icarl-engine-simd-threads.*, Emscripten pthreads on
// shared memory) under Node 20: it is what icarl.js picks by default here, it trains and
// classifies with results bit-identical to the single-thread SIMD flavour for the same seed
// (checkpoint bytes, scores, labels) whatever the thread count, `threads: 1` forces the
// single-thread path, heap views stay right when the shared memory grows, and a process that
// loaded it still exits on its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createLearner, loadEngine, loadLearner, threadsSupported } from '../../web/icarl.js';

const SIZE = 16;

// Deterministic pseudo-random numbers in [0, 1).
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// Four colour patterns with noise, RGBA like a canvas ImageData.
function pattern(kind, random) {
  const data = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const on = [x < SIZE / 2, y < SIZE / 2, (x + y) % 4 < 2, (x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2 < 20][kind];
      for (let c = 0; c < 3; c++) {
        const base = on ? (c === kind % 3 ? 220 : 120) : 40;
        data[(y * SIZE + x) * 4 + c] = Math.max(0, Math.min(255, Math.round(base + (random() - 0.5) * 60)));
      }
      data[(y * SIZE + x) * 4 + 3] = 255;
    }
  }
  return { width: SIZE, height: SIZE, data };
}

// Big enough that every layer really is split over the threads (batch 32, 3 channels), small
// enough for seconds: two incremental steps, so distillation, herding and means all run.
const OPTIONS = { inputSize: SIZE, channels: 3, blocksPerStage: 1, baseWidth: 8, epochs: 2, batchSize: 32, memory: 40, seed: 12345 };

// Trains the same two steps and returns everything a caller could observe.
async function run(options) {
  const random = generator(3);
  const learner = await createLearner({ ...OPTIONS, ...options });
  try {
    const flavour = learner.engineFlavour;
    const threads = learner.threads;
    learner.addExamples('a', Array.from({ length: 30 }, () => pattern(0, random)));
    learner.addExamples('b', Array.from({ length: 30 }, () => pattern(1, random)));
    // one unit per slice: the loss train() reports is then that of whole epochs, not of wherever
    // a timed slice happened to end
    const first = await learner.train({ unitsPerSlice: 1 });
    learner.addExamples('c', Array.from({ length: 30 }, () => pattern(2, random)));
    learner.addExamples('d', Array.from({ length: 30 }, () => pattern(3, random)));
    const second = await learner.train({ unitsPerSlice: 1 });
    const probes = Array.from({ length: 8 }, (_, i) => pattern(i % 4, random));
    const classified = probes.map((image) => learner.classify(image));
    const prepared = new Uint8Array(probes.length * SIZE * SIZE * 3);
    probes.forEach((image, i) => {
      for (let p = 0; p < SIZE * SIZE; p++) for (let c = 0; c < 3; c++) prepared[(i * SIZE * SIZE + p) * 3 + c] = image.data[p * 4 + c];
    });
    const labels = learner.classifyPrepared(prepared, probes.length);
    return { flavour, threads, losses: [first.loss, second.loss], phases: second.phaseSeconds, seconds: second.seconds, checkpoint: learner.save(), classified, labels };
  } finally {
    learner.dispose();
  }
}

describe('the threads flavour in Node 20', () => {
  test('is supported and is the default here; loads with shared memory', async () => {
    assert.equal(threadsSupported(), true);
    const engine = await loadEngine();
    assert.equal(engine.flavour, 'simd-threads');
    assert.equal(engine.sharedMemory, true);
    assert.ok(engine.HEAPU8.buffer instanceof SharedArrayBuffer);
    assert.ok(engine.c.default_threads() >= 1 && engine.c.default_threads() <= 4);
    assert.equal((await loadEngine({ flavour: 'simd' })).sharedMemory, false);
  });

  test('trains and classifies bit-identically to the single-thread SIMD flavour, for 1, 2 and 3 threads', async () => {
    const reference = await run({ engine: 'simd' });
    assert.equal(reference.flavour, 'simd');
    assert.equal(reference.threads, 1);
    assert.deepEqual(reference.labels.nme, Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 'the reference itself learned the patterns');
    for (const threads of [2, 1, 3]) {
      const result = await run({ engine: 'simd-threads', threads });
      assert.equal(result.flavour, 'simd-threads');
      assert.equal(result.threads, threads, `the learner runs ${threads} threads`);
      assert.deepEqual(result.losses, reference.losses, `losses with ${threads} threads`);
      assert.ok(Buffer.from(result.checkpoint).equals(Buffer.from(reference.checkpoint)), `checkpoint bytes with ${threads} threads`);
      assert.deepEqual(result.classified, reference.classified, `classify() scores with ${threads} threads`);
      assert.deepEqual(result.labels, reference.labels, `classifyPrepared() labels with ${threads} threads`);
    }
  });

  test('the default thread count is the cores (at most 4); threads: 1 forces the single-thread path', async () => {
    const engine = await loadEngine({ flavour: 'simd-threads' });
    const byDefault = await createLearner({ ...OPTIONS });
    const single = await createLearner({ ...OPTIONS, threads: 1 });
    try {
      assert.equal(byDefault.engineFlavour, 'simd-threads');
      assert.equal(byDefault.threads, engine.c.default_threads());
      assert.equal(single.engineFlavour, 'simd-threads');
      assert.equal(single.threads, 1);
      // a checkpoint loads with its own thread count, into the same results
      const loaded = await loadLearner(single.save(), { threads: 2 });
      assert.equal(loaded.threads, 2);
      assert.deepEqual(loaded.save(), single.save());
      loaded.dispose();
    } finally {
      byDefault.dispose();
      single.dispose();
    }
    // threads: 0 asks for the default (icarl.d.ts), anything else outside 1..8 is refused
    const zero = await createLearner({ ...OPTIONS, threads: 0 });
    assert.equal(zero.threads, engine.c.default_threads());
    zero.dispose();
    for (const threads of [-1, 9, 2.5, '2']) {
      await assert.rejects(createLearner({ ...OPTIONS, threads }), (error) => error.code === 'INVALID_ARGUMENT', `threads ${threads}`);
    }
    // the single-thread flavours ignore the request and say so
    const scalar = await createLearner({ ...OPTIONS, engine: 'scalar', threads: 2 });
    assert.equal(scalar.threads, 1);
    scalar.dispose();
  });

  test('the step reports the time of each of its phases, all within the step', async () => {
    // The second step of run() has old classes, so every phase runs: each must be timed (a
    // phase left out of the accounting reads 0). How the times compare is for the benchmarks.
    const result = await run({ engine: 'simd-threads' });
    assert.deepEqual(Object.keys(result.phases).sort(), ['herding', 'means', 'targets', 'training']);
    for (const [phase, value] of Object.entries(result.phases)) assert.ok(Number.isFinite(value) && value > 0, `${phase}: ${value} s`);
    const { targets, training, herding, means } = result.phases;
    assert.ok(targets + training + herding + means <= result.seconds + 1e-3, 'phases fit in the step');
  });

  test('heap views follow the shared memory when it grows', async () => {
    const engine = await loadEngine({ flavour: 'simd-threads' });
    const learner = await createLearner({ ...OPTIONS, memory: 2000 });
    try {
      const before = engine.HEAPU8.length;
      // a block as large as the whole heap so far cannot fit: the memory grows
      const block = engine.alloc(before);
      try {
        assert.ok(engine.HEAPU8.length > before, 'the memory grew');
        assert.equal(engine.HEAPU8.length, engine.module.wasmMemory.buffer.byteLength);
        engine.HEAPU8[block + before - 1] = 201; // past the old length: a stale view would drop it
        assert.equal(engine.HEAPU8[block + before - 1], 201);
        assert.equal(new Uint8Array(engine.module.wasmMemory.buffer)[block + before - 1], 201);
      } finally {
        engine.c.free(block);
      }
      // then the learner: class names (decoded from the shared heap), examples, state
      const random = generator(9);
      const long = 'a class name long enough for the TextDecoder path é';
      learner.addExamples('b', Array.from({ length: 30 }, () => pattern(1, random)));
      learner.addExamples(long, Array.from({ length: 30 }, () => pattern(2, random)));
      assert.deepEqual(learner.classes, ['b', long]);
      assert.deepEqual(learner.classDetails.map((entry) => entry.pending), [30, 30]);
      await learner.train();
      assert.equal(learner.classify(pattern(2, random)).label, long);
    } finally {
      learner.dispose();
    }
  });

  test('a process that used the threads flavour exits by itself (the pool does not keep Node alive)', async () => {
    const icarl = fileURLToPath(new URL('../../web/icarl.js', import.meta.url));
    const script = `
      const { createLearner } = await import(${JSON.stringify(icarl)});
      const learner = await createLearner({ inputSize: 8, channels: 1, blocksPerStage: 1, threads: 2 });
      console.log(learner.engineFlavour, learner.threads);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Its work is done once it has printed; from then on only a pool keeping Node alive can stop
    // it exiting, which the guard (a hang detector, far beyond the instant an exit takes) ends.
    await new Promise((resolve) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve();
      });
      child.on('exit', resolve);
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const { code, signal } = await exited;
    clearTimeout(guard);
    assert.equal(signal, null, 'still running a minute after its work: something keeps Node alive');
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), 'simd-threads 2');
  });
});
