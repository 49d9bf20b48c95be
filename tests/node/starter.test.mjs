// starter.test.mjs - the starter network (web/starter.icarl, made by build-scripts/make-starter.sh):
// it is a checkpoint without classes in the page's network shape; createLearner({starter}) begins
// with exactly its network and settings and takes the caller's seed and settings on top, the
// input size too (not a preset, not another depth or width, not a checkpoint that has classes);
// a class's confidences from a started learner; and two classes taught from a started learner,
// as the page teaches them, still flag a plainly different scene.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { decodePng } from '../../bench/teach-png.mjs';
import { generateSet } from '../../bench/teach-set.mjs';
import { sceneA, sceneB, sceneC, sceneFrames } from '../browser/fake-camera.mjs';
import { createLearner, loadLearner } from '../../web/icarl.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STARTER = readFileSync(path.join(ROOT, 'web/starter.icarl'));

test('web/starter.icarl is a starter: no classes, the page network, settings for short recordings', async () => {
  const learner = await loadLearner(STARTER);
  try {
    assert.deepEqual(learner.classes, []);
    const config = learner.config;
    assert.deepEqual([config.inputSize, config.channels, config.blocksPerStage, config.baseWidth], [40, 3, 2, 16]);
    assert.equal(config.schedule, 'updates');
    assert.equal(config.minUpdates, 50);
    assert.equal(config.batchnormMomentum, 0.02);
    assert.equal(Math.fround(config.centreCrop), Math.fround(0.85));
    assert.equal(config.method, 'icarl');
  } finally {
    learner.dispose();
  }
});

test('createLearner({starter}) begins with exactly the starter, and takes a seed and settings on top', async () => {
  const same = await createLearner({ starter: STARTER });
  try {
    assert.ok(Buffer.from(same.save()).equals(STARTER), 'a learner begun from the starter saves other bytes than the starter');
  } finally {
    same.dispose();
  }
  const changed = await createLearner({ starter: STARTER, seed: 5, zoom: 0.2, memory: 300 });
  try {
    const config = changed.config;
    assert.deepEqual([config.seed, config.zoom, config.memory, config.minUpdates], [5, 0.2, 300, 50]);
  } finally {
    changed.dispose();
  }
});

test('createLearner({starter, inputSize}) runs the same network at another input size; reconfigure() may not', async () => {
  const frame = (shift) => ({ width: 64, height: 64, channels: 3, data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 37 + shift) % 251) });
  const learner = await createLearner({ starter: STARTER, inputSize: 48, minUpdates: 2, maxUpdates: 2, engine: 'simd' });
  const same = await createLearner({ starter: STARTER, minUpdates: 2, maxUpdates: 2, engine: 'simd' });
  try {
    assert.equal(learner.config.inputSize, 48);
    assert.equal(learner.save().length, STARTER.length, 'the same network: a checkpoint of the same size');
    learner.addExamples('pattern', [frame(0), frame(1)]);
    assert.equal(learner.exemplarImages('pattern').length, 0, 'nothing kept before the step');
    await learner.train();
    const [kept] = learner.exemplarImages('pattern');
    assert.deepEqual([kept.width, kept.height], [48, 48], 'images are kept at the new size');
    same.addExamples('pattern', [frame(0), frame(1)]);
    await same.train();
    assert.deepEqual([same.exemplarImages('pattern')[0].width], [40]);
    assert.throws(() => learner.reconfigure({ inputSize: 40 }), { code: 'INVALID_ARGUMENT', message: /fixed when the learner is created/ });
  } finally {
    learner.dispose();
    same.dispose();
  }
});

test('createLearner({starter}) refuses a preset, another network shape, and a checkpoint with classes', async () => {
  await assert.rejects(createLearner({ starter: STARTER, preset: 'webcam' }), { code: 'INVALID_ARGUMENT', message: /no preset/ });
  await assert.rejects(createLearner({ starter: STARTER, blocksPerStage: 3 }), { code: 'INVALID_ARGUMENT', message: /shape/ });
  await assert.rejects(createLearner({ starter: new Uint8Array([1, 2, 3]) }), { code: /TRUNCATED|NOT_A_CHECKPOINT|CORRUPT/ });
  const taught = await createLearner({ inputSize: 8, blocksPerStage: 1, baseWidth: 4, minUpdates: 2, maxUpdates: 2, memory: 10 });
  const square = (v) => ({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(v) });
  taught.addExamples('dark', [square(10), square(20)]);
  taught.addExamples('light', [square(200), square(220)]);
  await taught.train();
  const bytes = taught.save();
  taught.dispose();
  await assert.rejects(createLearner({ starter: bytes }), { code: 'INVALID_ARGUMENT', message: /has 2/ });
});

test('classify() from a started learner: per-class confidence by the engine, 0 at the threshold and 1 at the typical similarity', async () => {
  const learner = await createLearner({ starter: STARTER, minUpdates: 20, maxUpdates: 20, engine: 'simd' });
  try {
    const frame = (shift, colour) => {
      const data = new Uint8Array(48 * 48 * 3);
      for (let i = 0; i < 48 * 48; i++) {
        const on = ((i % 48) + Math.floor(i / 48) + shift) % 12 < 6;
        data.set(on ? colour : [20, 20, 20], i * 3);
      }
      return { width: 48, height: 48, channels: 3, data };
    };
    learner.addExamples('orange', Array.from({ length: 8 }, (_, i) => frame(i, [230, 120, 30])));
    learner.addExamples('blue', Array.from({ length: 8 }, (_, i) => frame(i, [30, 60, 220])));
    await learner.train();
    const details = Object.fromEntries(learner.classDetails.map((d) => [d.name, d]));
    const result = learner.classify(frame(3, [230, 120, 30]));
    assert.equal(result.label, 'orange');
    assert.equal(result.scores[0].label, 'orange');
    assert.equal(result.scores[0].confidence, result.confidence, 'the chosen class: the same confidence as the prediction');
    for (const { label, score, confidence } of result.scores) {
      const { threshold, typical } = details[label];
      const expected = Math.min(1, Math.max(0, (score - threshold) / (typical - threshold)));
      assert.ok(Math.abs(confidence - expected) < 1e-6, `${label}: confidence ${confidence}, expected ${expected}`);
    }
    assert.ok(result.scores[1].confidence < result.scores[0].confidence);
  } finally {
    learner.dispose();
  }
});

test('two classes from the starter: later frames of both are named and not flagged, a plainly different scene is "unknown"', async () => {
  // From two classes on a class's threshold lies a margin below its lowest augmented views; the
  // striped scene's views spread widely (0.5 to 0.83), so a margin in units of that spread would
  // let the blue scene (about 0.3-0.4) through. The page's step: 30 frames each, 50 updates.
  const learner = await createLearner({ starter: STARTER, seed: 1 });
  try {
    learner.addExamples('Stripes', sceneFrames(sceneA, 0));
    learner.addExamples('Checks', sceneFrames(sceneC, 0));
    await learner.train();
    for (const [name, pattern] of [['Stripes', sceneA], ['Checks', sceneC]]) {
      const answers = sceneFrames(pattern, 40).map((frame) => learner.classify(frame));
      const wrong = answers.filter((r) => r.label !== name || r.unknown);
      assert.equal(wrong.length, 0, `${name}: ${wrong.map((r) => `${r.label} ${r.score.toFixed(3)}`).join(', ')}`);
    }
    const blue = sceneFrames(sceneB, 0).map((frame) => learner.classify(frame));
    const flagged = blue.filter((r) => r.unknown).length;
    assert.ok(flagged >= 27, `the blue scene flagged ${flagged} of 30 (scores ${blue.map((r) => r.score.toFixed(3)).join(' ')})`);
  } finally {
    learner.dispose();
  }
});
