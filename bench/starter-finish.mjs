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

// Tuned on the webcam evaluation set's `tune` objects (docs/accuracy.md): from features learned
// beforehand, 100 updates name the new objects as well as 300 did, in a third of the time.
export const STARTER_SETTINGS = { minUpdates: 100 };

const [trained, out] = process.argv.slice(2);
if (!trained || !out) {
  console.error('usage: node bench/starter-finish.mjs TRAINED.icarl OUT.icarl');
  process.exit(2);
}
const { createLearner, loadLearner } = await import(path.join(ROOT, 'web/icarl.js'));
const preset = await createLearner({ preset: 'webcam' });
const { seed, threads, inputSize, channels, blocksPerStage, baseWidth, ...settings } = preset.config;
preset.dispose();
const learner = await loadLearner(readFileSync(trained));
const objects = learner.classes.length;
for (const name of learner.classes) learner.removeClass(name);
learner.reconfigure({ ...settings, ...STARTER_SETTINGS });
const bytes = learner.save();
learner.dispose();
writeFileSync(`${out}.part`, bytes);
renameSync(`${out}.part`, out);
console.log(`starter-finish: ${out}: the network of ${trained} (${objects} objects removed), ${(bytes.length / 1024).toFixed(0)} KiB`);
