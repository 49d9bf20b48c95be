#!/usr/bin/env node
// plain-scene.mjs - does a learner still say "Not sure" about a plainly different scene? One
// class is taught from 30 frames of the browser tests' striped scene (the frames
// tests/browser/refine.test.mjs records from its fake camera, drawn here directly), and with
// --classes 2 a second from 30 frames of a green checkerboard, for a fixed number of updates, in
// Node; then the classes' thresholds are set against the scores of 30 frames of the blue scene
// with a disc, which the learner should flag, and 30 later frames of each taught scene, which it
// should name and not flag. With one class, the same check as the refine test's last one, at
// every step length.
//
// Usage: node bench/plain-scene.mjs [--classes 1|2] [STARTER] [UPDATES...]
//        (default one class, web/starter.icarl; 10 25 50 100 150 updates)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadLearner } = await import(path.join(ROOT, 'web/icarl.js'));
// fake-camera.mjs imports playwright-core only if it is there: the scenes need no browser.
const { sceneA, sceneB, sceneC, sceneFrames } = await import(path.join(ROOT, 'tests/browser/fake-camera.mjs'));

const usage = 'usage: node bench/plain-scene.mjs [--classes 1|2] [STARTER] [UPDATES...]';
const args = process.argv.slice(2);
let classCount = 1;
if (args[0] === '--classes') {
  classCount = Number(args[1]);
  args.splice(0, 2);
}
const [starter = path.join(ROOT, 'web/starter.icarl'), ...counts] = args;
const updateCounts = (counts.length ? counts : ['10', '25', '50', '100', '150']).map(Number);
if (![1, 2].includes(classCount) || updateCounts.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(usage);
  process.exit(2);
}

const taught = [['Stripes', sceneA], ['Checks', sceneC]].slice(0, classCount);
const range = (scores) => `${Math.min(...scores).toFixed(3)}..${Math.max(...scores).toFixed(3)}`;
const bytes = readFileSync(starter);
console.log(`plain scene: ${taught.map(([name]) => name).join(' and ')} from 30 frames each, from ${path.relative(process.cwd(), starter)}`);
console.log('| updates | threshold / typical | later taught frames: score, named right and not flagged | blue scene with a disc | blue flagged |');
console.log('| --- | --- | --- | --- | --- |');
for (const updates of updateCounts) {
  const learner = await loadLearner(bytes);
  learner.reconfigure({ minUpdates: updates, maxUpdates: updates, patience: 0 });
  for (const [name, pattern] of taught) learner.addExamples(name, sceneFrames(pattern, 0));
  await learner.train();
  const calibration = learner.classDetails.map((d) => `${d.threshold.toFixed(3)} / ${d.typical.toFixed(3)}`).join(', ');
  const predict = (pattern, first) => sceneFrames(pattern, first).map((frame) => learner.classify(frame));
  const later = taught.map(([name, pattern]) => {
    const predictions = predict(pattern, 40);
    const right = predictions.filter((p) => p.label === name && !p.unknown).length;
    return `${name} ${range(predictions.map((p) => p.score))}, ${right} of 30`;
  }).join('; ');
  const blue = predict(sceneB, 0);
  const flagged = blue.filter((p) => p.unknown).length;
  console.log(`| ${updates} | ${calibration} | ${later} | ${range(blue.map((p) => p.score))} | ${flagged} of 30 |`);
  learner.dispose();
}
