#!/usr/bin/env node
// plain-scene.mjs - does a learner of one class still say "Not sure" about a plainly different
// scene? One class is taught from 30 frames of the browser tests' striped scene (the frames
// tests/browser/refine.test.mjs records from its fake camera, drawn here directly), for a fixed
// number of updates, in Node; then the class's threshold is set against the scores of 30 frames
// of the blue scene with a disc, which it should flag, and 30 later frames of the stripes, which
// it should not. The same check as the refine test's last one, at every step length.
//
// Usage: node bench/plain-scene.mjs [STARTER] [UPDATES...]
//        (default web/starter.icarl; 10 25 50 100 150 updates)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadLearner } = await import(path.join(ROOT, 'web/icarl.js'));
// fake-camera.mjs imports playwright-core only if it is there: the scenes need no browser.
const { sceneA, sceneB } = await import(path.join(ROOT, 'tests/browser/fake-camera.mjs'));

const [starter = path.join(ROOT, 'web/starter.icarl'), ...counts] = process.argv.slice(2);
const updateCounts = (counts.length ? counts : ['10', '25', '50', '100', '150']).map(Number);
if (updateCounts.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error('usage: node bench/plain-scene.mjs [STARTER] [UPDATES...]');
  process.exit(2);
}

// A frame as the fake camera shows it, 96x96: the scene's 160x120 picture, centre-cropped.
function frame(pattern, t, size = 96) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pattern(20 + (x * 120) / size, (y * 120) / size, t);
      const o = (y * size + x) * 3;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
    }
  }
  return { width: size, height: size, channels: 3, data };
}

const range = (scores) => `${Math.min(...scores).toFixed(3)}..${Math.max(...scores).toFixed(3)}`;
const bytes = readFileSync(starter);
console.log(`plain scene: one class from 30 frames of stripes, from ${path.relative(process.cwd(), starter)}`);
console.log('| updates | threshold | typical | stripes, later frames | blue scene with a disc | blue flagged |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const updates of updateCounts) {
  const learner = await loadLearner(bytes);
  learner.reconfigure({ minUpdates: updates, maxUpdates: updates, patience: 0 });
  const frames = [];
  for (let t = 0; t < 30; t++) frames.push(frame(sceneA, t));
  learner.addExamples('Stripes', frames);
  await learner.train();
  const { threshold, typical } = learner.classDetails[0];
  const stripes = [], blue = [];
  let flagged = 0;
  for (let t = 0; t < 30; t++) {
    stripes.push(learner.classify(frame(sceneA, t + 40)).score);
    const prediction = learner.classify(frame(sceneB, t));
    blue.push(prediction.score);
    flagged += prediction.unknown ? 1 : 0;
  }
  console.log(`| ${updates} | ${threshold.toFixed(3)} | ${typical.toFixed(3)} | ${range(stripes)} | ${range(blue)} | ${flagged} of 30 |`);
  learner.dispose();
}
