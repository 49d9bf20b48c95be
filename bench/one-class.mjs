#!/usr/bin/env node
// one-class.mjs - "Not sure" while a learner has only one class: each taught object of a webcam
// evaluation set (bench/teach-set.mjs) is taught alone from its teach frames, with the starter's
// settings, through the JavaScript API in Node; then how many of its test views are left
// unflagged, and how many views of the set's never-taught objects are flagged "unknown".
// A class alone gets no margin under its threshold (src/icarl/calibration.h); this measures what
// that leaves on real objects, where bench/plain-scene.mjs measures a plainly different scene.
//
// Usage: node bench/one-class.mjs [tune|test] [STARTER] [SEED]
//        (default tune, web/starter.icarl, seed 1)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { readFolder } from './teach-bench.mjs';
import { generateSet } from './teach-set.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createLearner } = await import(path.join(ROOT, 'web/icarl.js'));

const [set = 'tune', starter = path.join(ROOT, 'web/starter.icarl'), seedText = '1'] = process.argv.slice(2);
const seed = Number(seedText);
if (!['tune', 'test'].includes(set) || !Number.isInteger(seed)) {
  console.error('usage: node bench/one-class.mjs [tune|test] [STARTER] [SEED]');
  process.exit(2);
}
const setRoot = path.join(ROOT, 'build/teach-set');
const manifest = generateSet(setRoot, set);
const folder = (kind, name) => readFolder(path.join(setRoot, set, kind, name));
const strangers = manifest.neverTaught.flatMap((name) => folder('test', name));
const bytes = readFileSync(starter);

console.log(`one class at a time, set ${set}, from ${path.relative(process.cwd(), starter)}, seed ${seed}; never taught: ${manifest.neverTaught.join(', ')}`);
console.log('| taught alone | threshold / typical | its test views not flagged | never-taught views flagged |');
console.log('| --- | --- | --- | --- |');
let unflagged = 0, views = 0, flagged = 0;
for (const name of manifest.taught) {
  const learner = await createLearner({ seed, starter: bytes });
  try {
    learner.addExamples(name, folder('teach', name));
    await learner.train();
    const testViews = folder('test', name);
    const own = testViews.filter((image) => !learner.classify(image).unknown).length;
    const caught = strangers.filter((image) => learner.classify(image).unknown).length;
    const { threshold, typical } = learner.classDetails[0];
    console.log(`| ${name} | ${threshold.toFixed(3)} / ${typical.toFixed(3)} | ${(own / testViews.length).toFixed(3)} | ${(caught / strangers.length).toFixed(3)} |`);
    unflagged += own;
    views += testViews.length;
    flagged += caught;
  } finally {
    learner.dispose();
  }
}
console.log(`| all | | ${(unflagged / views).toFixed(3)} | ${(flagged / (strangers.length * manifest.taught.length)).toFixed(3)} |`);
