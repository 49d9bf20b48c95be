// memory.test.mjs - a long session in Node: 20 incremental steps of 2 new classes each (40
// classes in the end) on a small network, checking after every step that
//   - the exemplar memory is what the algorithm keeps: each class min(its images, floor(K / t))
//     exemplars with t classes known, in all the sum of those (never more than K), and the
//     classes stay recognisable (most of them, from an image not learned);
//   - the WebAssembly heap (engine.module.HEAPU8.length, the memory's byteLength) stays within
//     the budget that K and the network imply: the heap before the learner existed, plus the
//     network (weights and the copies a step keeps: gradients, momentum, the old network,
//     scratch), its activations for one batch, K exemplar images, the step's training images
//     with their distillation targets, and a fixed allowance for the allocator;
//   - the heap stops growing after the first steps (the step's buffers are reused or
//     freed; only the per-class head and means grow, by a few hundred bytes a class);
//   - the checkpoint stays as large as weights + K images + names, not growing with the steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLearner, loadEngine } from '../../web/icarl.js';

// One epoch per step (the epochs schedule): the test is about what memory holds, not how long a step learns.
const CONFIG = { inputSize: 24, channels: 3, blocksPerStage: 1, baseWidth: 8, batchSize: 128, schedule: 'epochs', epochs: 1, memory: 500, seed: 5, cropPadding: 2 };
const STEPS = 20;
const PER_CLASS = 30; // new images per class per step
const MB = 1 << 20;

// Parameter and BatchNorm-state floats of the ResNet (as src/nn/resnet.c lays them out).
function networkFloats({ channels, blocksPerStage, baseWidth }) {
  let parameters = 0;
  let state = 0;
  const unit = (input, output, kernel) => {
    parameters += output * input * kernel * kernel + 2 * output;
    state += 2 * output;
  };
  unit(channels, baseWidth, 3);
  let input = baseWidth;
  for (let stage = 0; stage < 3; stage++) {
    const width = baseWidth << stage;
    for (let i = 0; i < blocksPerStage; i++) {
      unit(input, width, 3);
      unit(width, width, 3);
      if ((stage > 0 && i === 0) || input !== width) unit(input, width, 1);
      input = width;
    }
  }
  return { parameters, state };
}

// An image of class c: a class-specific colour block on a class-specific position, with noise.
function classImage(c, i) {
  const size = 28;
  const data = new Uint8Array(size * size * 4);
  let seed = (c * 7919 + i * 104729) >>> 0;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x0 = (c % 4) * 6;
  const y0 = (Math.floor(c / 4) % 4) * 6;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x >= x0 && x < x0 + 6 && y >= y0 && y < y0 + 6;
      for (let k = 0; k < 3; k++) {
        const base = inside ? 60 + ((c * (k + 3) * 37) % 190) : 100;
        data[(y * size + x) * 4 + k] = Math.max(0, Math.min(255, base + Math.round((random() - 0.5) * 40)));
      }
      data[(y * size + x) * 4 + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

test('20 incremental steps keep the heap within the K and network budget, with no growth per step', async () => {
  const engine = await loadEngine();
  const heapBefore = engine.module.HEAPU8.length;
  const learner = await createLearner(CONFIG);

  const imageBytes = CONFIG.inputSize ** 2 * CONFIG.channels;
  const features = 4 * CONFIG.baseWidth;
  const classes = 2 * STEPS;
  const { parameters, state } = networkFloats(CONFIG);
  const head = classes * (features + 1);
  // Weights + gradients + momentum + the old network + scratch gradients + the step's copy.
  const networkBytes = 4 * (6 * (parameters + head) + 2 * state);
  // One batch's activations as src/nn/resnet.c keeps them, per image at S^2 pixels and width
  // w: stage 1 holds about (2 + 3n) w S^2 floats (stem, per block two conv outputs and the
  // block output), stages 2 and 3 about (1 + 3n) w S^2 / 2 and / 4 together with their
  // projections, 4 work buffers of w S^2, an im2col scratch of 9 w S^2, and the input.
  const n = CONFIG.blocksPerStage;
  const perImage = CONFIG.inputSize ** 2 * (CONFIG.baseWidth * (2 + 3 * n + (1 + 3 * n) * 0.75 + 4 + 9) + CONFIG.channels);
  const activationBytes = 4 * CONFIG.batchSize * perImage;
  // Exemplars: K kept, plus the candidate sets herding chooses from (the new images) and the
  // new sets being built beside the old ones until the step commits.
  const exemplarBytes = 2 * CONFIG.memory * imageBytes;
  const trainingImages = 2 * PER_CLASS + CONFIG.memory;
  // Pending images, the step's training list, distillation targets and features per image.
  const stepBytes = trainingImages * (2 * imageBytes + 4 * (classes + 2 * features));
  const allowance = 2 * MB; // allocator slack and wasm page rounding
  const budget = heapBefore + networkBytes + activationBytes + exemplarBytes + stepBytes + allowance;

  const heaps = [];
  const checkpointSizes = [];
  for (let step = 0; step < STEPS; step++) {
    for (const c of [2 * step, 2 * step + 1]) {
      learner.addExamples(`class ${c}`, Array.from({ length: PER_CLASS }, (_, i) => classImage(c, i)));
    }
    await learner.train();

    const known = 2 * (step + 1);
    const { capacity, used, perClass, perClassLimit } = learner.memory;
    assert.equal(capacity, CONFIG.memory);
    assert.equal(perClassLimit, Math.floor(CONFIG.memory / known), `step ${step + 1}: m = floor(K / t)`);
    // Every class was given PER_CLASS images: it keeps all of them while m allows, else m.
    const kept = Math.min(PER_CLASS, Math.floor(CONFIG.memory / known));
    const names = Array.from({ length: known }, (_, c) => `class ${c}`);
    assert.deepEqual(perClass, Object.fromEntries(names.map((name) => [name, kept])), `step ${step + 1}: exemplars per class`);
    assert.equal(used, known * kept, `step ${step + 1}: exemplars in all`);
    assert.ok(used <= CONFIG.memory);
    // An image of each class not among its training images: most classes are still told apart
    // (measured 75-100% per step with this seed; chance is 1 in t).
    const recognised = names.filter((name, c) => learner.classify(classImage(c, 999)).label === name).length;
    assert.ok(2 * recognised >= known, `step ${step + 1}: ${recognised} of ${known} classes recognised`);

    const bytes = learner.save();
    checkpointSizes.push(bytes.length);
    const heap = engine.module.HEAPU8.length;
    heaps.push(heap);
    assert.ok(heap <= budget, `step ${step + 1}: heap ${(heap / MB).toFixed(1)} MB > budget ${(budget / MB).toFixed(1)} MB`);
  }
  learner.dispose();

  // No growth per step after the first few: over the second half of the session at most what
  // the growing head and class means need (a few hundred bytes a class) plus one 64 KB wasm
  // page of rounding. (The allocator may still grow the heap once early on, when a larger
  // step buffer no longer fits a freed hole; a leak would grow it step after step.)
  const settled = heaps[STEPS / 2 - 1];
  const perClassGrowth = 4 * 2 * (features + 1 + features + CONFIG.batchSize) * STEPS;
  assert.ok(heaps[STEPS - 1] <= settled + perClassGrowth + 65536,
    `heap grew from ${settled} after step ${STEPS / 2} to ${heaps[STEPS - 1]} after step ${STEPS}: ${heaps.join(', ')}`);
  // The checkpoint: weights + at most K images + names and counters.
  const checkpointBudget = 4 * (parameters + head + state + classes * features) + CONFIG.memory * imageBytes + classes * 300 + 4096;
  assert.ok(Math.max(...checkpointSizes) <= checkpointBudget, `checkpoint sizes ${checkpointSizes.join(', ')} > ${checkpointBudget}`);
  console.log(`# heap before ${(heapBefore / MB).toFixed(2)} MB, budget ${(budget / MB).toFixed(2)} MB, per step: ${heaps.map((h) => (h / MB).toFixed(2)).join(' ')}`);
});
