// api-names.test.mjs - the JavaScript API takes every name from the engine's own tables (status
// codes, phases, presets, configuration fields and their choices), so nothing in icarl.js can
// drift from icarl.h; and web/icarl.d.ts, written by hand, lists exactly those names.
// Also: renameClass/removeClass (the C API's class edits) and the threads setting through JS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { createLearner, loadEngine, loadLearner } from '../../web/icarl.js';

const declarations = readFileSync(new URL('../../web/icarl.d.ts', import.meta.url), 'utf8');

/** The string literals of `export type NAME = 'a' | 'b' ...;` in icarl.d.ts. */
function unionMembers(name) {
  const match = new RegExp(`export type ${name} =([^;]*);`).exec(declarations);
  assert.ok(match, `icarl.d.ts declares type ${name}`);
  return [...match[1].matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

/** The member names of `export interface NAME { ... }` in icarl.d.ts. */
function interfaceMembers(name) {
  const match = new RegExp(`export interface ${name}[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(declarations);
  assert.ok(match, `icarl.d.ts declares interface ${name}`);
  return [...match[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
}

const engine = await loadEngine({ flavour: 'simd' });
const field = (key) => engine.configFields.find((candidate) => candidate.key === key);

test('status, phase and preset names come from the engine and match icarl.d.ts', () => {
  assert.deepEqual(unionMembers('EngineStatusCode'), [...engine.statusNames]);
  assert.equal(engine.statusNames[0], 'OK');
  assert.equal(engine.statusNames[6], 'TRUNCATED');
  assert.deepEqual(unionMembers('Phase'), [...engine.phaseNames]);
  assert.deepEqual(unionMembers('Preset').sort(), [...engine.presetNames].sort());
});

test('the configuration fields, methods and losses match icarl.d.ts', () => {
  assert.deepEqual(interfaceMembers('LearnerConfig').sort(), engine.configFields.map((f) => f.key).sort());
  assert.deepEqual(unionMembers('Method'), field('method').choices);
  assert.deepEqual(unionMembers('Loss'), field('loss').choices);
  assert.deepEqual(unionMembers('Schedule'), field('schedule').choices);
  // An array member of icarl_config is one option; its range and kind come along.
  assert.deepEqual(field('decayAt').elements.map((e) => e.name), ['decay_at_0', 'decay_at_1']);
  assert.equal(field('inputSize').architecture, true);
  assert.equal(field('memory').architecture, false);
  assert.equal(field('threads').saved, false);
  assert.deepEqual([field('epochs').kind, field('epochs').minimum, field('epochs').maximum], ['int', 1, 10000]);
});

test('every field round-trips through createLearner and learner.config', async () => {
  const options = {
    preset: 'fashion-mnist', inputSize: 12, blocksPerStage: 1, baseWidth: 4, memory: 77, centreCrop: 0.75, method: 'lwf',
    loss: 'softmax-kd', temperature: 3, epochs: 4, batchSize: 6, learningRate: 0.25, momentum: 0.5,
    weightDecay: 0.001, batchnormMomentum: 0.05, decayAt: [0.4, 0.8], decayFactor: 3, schedule: 'updates', minUpdates: 50,
    maxUpdates: 900, warmup: 0.1, patience: 4, cropPadding: 1, flip: false,
    brightness: 0.25, zoom: 0.3, rotation: 12, contrast: 0.2, saturation: 0.4, blur: 0.5, noise: 0.01,
    meanWithFlip: false, seed: 2n ** 60n + 3n, threads: 1, engine: 'simd',
  };
  const learner = await createLearner(options);
  const { preset, engine: flavour, ...expected } = options;
  // Every field is set here to a value other than the preset's: a new field must join the list.
  assert.deepEqual(Object.keys({ ...expected, channels: 1 }).sort(), engine.configFields.map((f) => f.key).sort());
  assert.deepEqual(learner.config, { ...expected, channels: 1 });
  assert.throws(() => learner.reconfigure({ inputSize: 16 }), { code: 'INVALID_ARGUMENT', message: /fixed when the learner is created/ });
  assert.throws(() => learner.reconfigure({ epochs: 0 }), { code: 'INVALID_ARGUMENT', message: /epochs must be 1\.\.10000/ });
  assert.throws(() => learner.reconfigure({ method: 'bogus' }), { code: 'INVALID_ARGUMENT', message: /icarl, lwf, finetune, fixed/ });
  assert.throws(() => learner.reconfigure({ colour: 1 }), { code: 'INVALID_ARGUMENT', message: /unknown option 'colour'/ });
  learner.dispose();
  await assert.rejects(createLearner({ preset: 'cats' }), { code: 'INVALID_ARGUMENT', message: /fashion-mnist, webcam/ });
});

function square(shade, channel) {
  const data = new Uint8Array(8 * 8 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i % 3 === channel ? 160 : 0) + ((i * 37 + shade * 11) % 50);
  return { width: 8, height: 8, data, channels: 3 };
}

test('renameClass and removeClass edit the learner; the others keep their predictions', async () => {
  const learner = await createLearner({ inputSize: 8, blocksPerStage: 1, baseWidth: 4, batchSize: 8, epochs: 2, memory: 30, threads: 1, engine: 'simd' });
  const images = (channel) => Array.from({ length: 10 }, (_, i) => square(i, channel));
  learner.addExamples('red', images(0));
  learner.addExamples('green', images(1));
  learner.addExamples('blue', images(2));
  await learner.train();
  const blue = learner.classify(square(3, 2));
  assert.equal(blue.label, 'blue');

  learner.renameClass('green', 'lime');
  assert.deepEqual(learner.classes, ['red', 'lime', 'blue']);
  assert.throws(() => learner.renameClass('green', 'x'), { code: 'UNKNOWN_CLASS', message: /no class "green"/ });
  assert.throws(() => learner.renameClass('lime', 'red'), { code: 'INVALID_ARGUMENT', message: /already a class "red"/ });

  learner.removeClass('lime');
  assert.deepEqual(learner.classes, ['red', 'blue']);
  const after = learner.classify(square(3, 2));
  assert.equal(after.label, 'blue');
  assert.equal(after.score, blue.score); // the mean moved, bit for bit
  assert.equal(learner.memory.used, learner.memory.perClass.red + learner.memory.perClass.blue);
  assert.throws(() => learner.removeClass('lime'), { code: 'UNKNOWN_CLASS' });

  // The edits are what a checkpoint keeps; threads are not in it and come from the loader.
  const loaded = await loadLearner(learner.save(), { engine: 'simd', threads: 1 });
  assert.deepEqual(loaded.classes, ['red', 'blue']);
  assert.equal(loaded.config.threads, 1);
  assert.equal(loaded.classify(square(3, 2)).score, blue.score);
  await assert.rejects(loadLearner(learner.save(), { engine: 'simd', epochs: 3 }), { code: 'INVALID_ARGUMENT', message: /unknown option 'epochs'/ });
  loaded.dispose();
  learner.dispose();
});

test('threads are a setting of the learner: reconfigure changes them on the threads engine', async () => {
  const learner = await createLearner({ inputSize: 8, blocksPerStage: 1, baseWidth: 4, batchSize: 8, engine: 'simd-threads', threads: 2 });
  assert.equal(learner.threads, 2);
  learner.reconfigure({ threads: 1 });
  assert.equal(learner.threads, 1);
  assert.equal(learner.config.threads, 1);
  assert.throws(() => learner.reconfigure({ threads: 9 }), { code: 'INVALID_ARGUMENT', message: /threads must be 0\.\.8/ });
  learner.dispose();
});
