#!/usr/bin/env node
// starter-finish.mjs - turns a model trained on the starter set (bench/starter-set.mjs) into a
// starter: a checkpoint without classes, whose network is the trained one and whose settings are
// those a person's steps use from it (the webcam preset's, with the changes STARTER_SETTINGS
// lists). createLearner({starter}) and `icarl learn --start` begin new learners with it.
//
// Usage: node bench/starter-finish.mjs TRAINED.icarl OUT.icarl
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Tuned on the webcam evaluation set's `tune` objects (docs/accuracy.md). The network, trained at
// 32x32, runs at 40x40 for a person's steps: thin and small objects get more pixels (its weights do
// not depend on the input size), and from it 50 updates name them as well as 100 did. BatchNorm's
// running averages move slowly (0.02 of each batch), so the learner published seconds after Train
// still normalises with the statistics of the starter's many rooms, not those of one class's few
// frames: its features, and with them its "Not sure", stay sound.
export const STARTER_SETTINGS = { inputSize: 40, minUpdates: 50, batchnormMomentum: 0.02, centreCrop: 0.85 };

const [trained, out] = process.argv.slice(2);
if (!trained || !out) {
  console.error('usage: node bench/starter-finish.mjs TRAINED.icarl OUT.icarl');
  process.exit(2);
}
const { createLearner, loadLearner } = await import(path.join(ROOT, 'web/icarl.js'));
const preset = await createLearner({ preset: 'webcam' });
const { seed, threads, inputSize, channels, blocksPerStage, baseWidth, ...settings } = preset.config;
preset.dispose();
const network = await loadLearner(readFileSync(trained));
const objects = network.classes.length;
for (const name of network.classes) network.removeClass(name);
// Without classes it is a starter already; beginning a learner from it may set the input size,
// which reconfigure() may not.
const learner = await createLearner({ starter: network.save(), ...settings, ...STARTER_SETTINGS });
network.dispose();
const bytes = learner.save();
learner.dispose();
writeFileSync(`${out}.part`, bytes);
renameSync(`${out}.part`, out);
console.log(`starter-finish: ${out}: the network of ${trained} (${objects} objects removed), ${(bytes.length / 1024).toFixed(0)} KiB`);
