#!/usr/bin/env node
// teach-bench.mjs - `build-scripts/bench.sh teach`: what a person teaching the webcam gets. On one
// set of the webcam evaluation set (bench/teach-set.mjs), 5 objects are learned in 2 steps (3,
// then 2) from their hand-held teach frames, with the engine's defaults (the webcam preset) or
// the settings given, and each step is measured on the objects' held-out test views: accuracy
// (nearest mean of exemplars, over the test views of the classes learned so far) and seconds per
// step, natively (`icarl learn` / `icarl eval`) and through the JavaScript API in Node, for each
// seed. Seed s also picks the objects: the set's 6 taught objects rotated by s - 1, the first 3
// in step 1 and the next 2 in step 2, so 3 seeds see 3 different pairs of steps.
//
// Usage: node bench/teach-bench.mjs [tune|test] [--seeds 1,2,3] [--builds native,node]
//          [--set NAME=VALUE]... [--start FILE | --scratch] [--out build/bench]
//   tune|test      the set (default: test; tune settings on `tune`, report them on `test`)
//   --set N=V      an engine setting for both steps and builds, by the name `icarl info` lists
//                  (min_updates) or its camelCase option (minUpdates): the native tool gets
//                  --set min_updates=V, createLearner {minUpdates: V}; e.g. --set epochs=30
//   --builds       which runners (default: native,node)
//   --start FILE   the starter new learners begin with, as the page's do (default
//                  web/starter.icarl; `icarl learn --start`, createLearner({starter}))
//   --scratch      begin from random weights instead (`icarl learn` and createLearner() alone)
// ICARL=path picks the native binary (default build/native/icarl). Writes a markdown report and
// the raw figures to OUT/teach-<set>.md and .json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodePng } from './teach-png.mjs';
import { generateSet, SETS } from './teach-set.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STEP_SIZES = [3, 2];

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (name) => name.replace(/[-_]([a-z0-9])/g, (_, c) => c.toUpperCase());

/** "30" -> 30, "true" -> true, "0.5,0.8" -> [0.5, 0.8], anything else stays text. */
function settingValue(text) {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.includes(',')) return text.split(',').map(settingValue);
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** The steps of seed `seed`: the taught objects rotated by seed - 1, cut into STEP_SIZES. */
export function stepsFor(taught, seed) {
  const shift = (((seed - 1) % taught.length) + taught.length) % taught.length;
  const order = [...taught.slice(shift), ...taught.slice(0, shift)];
  let at = 0;
  return STEP_SIZES.map((n) => order.slice(at, (at += n)));
}

// ---- runners: one incremental run of the protocol, per build ---------------------------------
// Each takes {setDir, steps, seed, settings, work, manifest} and returns, per step,
// {classes, accuracy, images, correct, seconds}. The page in headless Chromium is the third way a
// step runs; its runner joins RUNNERS with the same argument and result.

function runNative({ setDir, steps, seed, settings, work, start }) {
  const icarl = process.env.ICARL || path.join(ROOT, 'build/native/icarl');
  const model = path.join(work, 'model.icarl');
  const list = Object.entries(settings).map(([name, value]) => `${snake(name)}=${value}`).join(',');
  const flags = list ? ['--set', list] : [];
  return steps.map((classes, index) => {
    const data = path.join(work, `step-${index + 1}`);
    mkdirSync(data, { recursive: true });
    for (const name of classes) symlinkSync(path.join(setDir, 'teach', name), path.join(data, name));
    const begin = index === 0 ? ['--seed', String(seed), ...(start ? ['--start', start] : [])] : [];
    const learned = execFileSync(icarl, ['learn', '--model', model, '--data', data, ...begin, ...flags],
                                 { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const seconds = Number(/learned in ([0-9.]+) s/.exec(learned)?.[1]);
    const report = path.join(work, `eval-${index + 1}.json`);
    execFileSync(icarl, ['eval', '--model', model, '--data', path.join(setDir, 'test'), '--json', report],
                 { stdio: ['ignore', 'ignore', 'pipe'] });
    const { accuracy, images, correct } = JSON.parse(readFileSync(report, 'utf8'));
    return { classes, accuracy, images, correct, seconds };
  });
}

export function readFolder(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => decodePng(readFileSync(path.join(dir, f))));
}

const meanOrNull = (values) => (values.length ? mean(values) : null);

async function runNode({ setDir, steps, seed, settings, manifest, start }) {
  const { createLearner } = await import(path.join(ROOT, 'web/icarl.js'));
  const learner = await createLearner({ ...settings, seed, ...(start ? { starter: readFileSync(start) } : {}) });
  try {
    const learned = [];
    const results = [];
    for (const classes of steps) {
      const started = performance.now();
      // RGBA frames, as a page's getImageData hands them over
      for (const name of classes) learner.addExamples(name, readFolder(path.join(setDir, 'teach', name)));
      const trained = await learner.train();
      const seconds = (performance.now() - started) / 1000;
      learned.push(...classes);
      let images = 0, correct = 0;
      const rightScores = [], byRoom = { home: [0, 0], other: [0, 0] };
      let rightAndSure = 0;
      for (const name of learned) {
        readFolder(path.join(setDir, 'test', name)).forEach((image, view) => {
          const result = learner.classify(image), room = byRoom[manifest.testViewConditions[name][view].room];
          images++;
          room[1]++;
          if (result.label === name) {
            correct++;
            room[0]++;
            rightScores.push(result.score);
            if (!result.unknown) rightAndSure++;
          }
        });
      }
      // how far the nearest class mean is for objects never taught, against taught ones named
      // right, and how often the "unknown" flag is raised on them
      const strangers = manifest.neverTaught.flatMap((name) => readFolder(path.join(setDir, 'test', name)).map((image) => learner.classify(image)));
      results.push({ classes, accuracy: correct / images, images, correct, seconds, trainSeconds: trained.seconds,
                     accuracyHomeRoom: byRoom.home[0] / byRoom.home[1], accuracyOtherRooms: byRoom.other[0] / byRoom.other[1],
                     cosineRight: meanOrNull(rightScores), cosineNeverTaught: meanOrNull(strangers.map((r) => r.score)),
                     rightAndNotFlagged: rightAndSure / images, neverTaughtFlagged: strangers.filter((r) => r.unknown).length / strangers.length });
    }
    return results;
  } finally {
    learner.dispose();
  }
}

const RUNNERS = { native: runNative, node: runNode };
const RUNNER_NAMES = { native: 'native (`icarl learn` / `eval`)', node: 'Node (web/icarl.js, wasm)' };

// ---- the report --------------------------------------------------------------------------------

function cell(values, digits) {
  return `${mean(values).toFixed(digits)} (${values.map((v) => v.toFixed(digits)).join(' / ')})`;
}

function machine() {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return `${os.cpus().length} cores (nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}), ${model}`;
}

export function markdownReport({ set, seeds, settings, command, manifest, runs, started, start }) {
  const beginning = start ? `from the starter \`${path.relative(ROOT, start)}\`` : 'from random weights';
  const settingText = Object.keys(settings).length ? Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')
    : start ? "none (the starter's)" : 'none (the webcam preset)';
  const lines = [
    `### Teaching a webcam, set \`${set}\`: 5 objects in 2 steps (3 + 2), ${beginning}, settings: ${settingText}`,
    '',
    `Accuracy on the held-out test views of the classes learned so far (nearest mean of exemplars), mean over seeds ${seeds.join(', ')} with each seed in brackets; seconds per step as the learner spends them (reading the frames, adding them, training).`,
    '',
    '| build | accuracy after step 2 (5 classes) | after step 1 (3 classes) | seconds, step 1 | seconds, step 2 |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [build, perSeed] of Object.entries(runs)) {
    const step = (i, key) => perSeed.map((steps) => steps[i][key]);
    lines.push(`| ${RUNNER_NAMES[build]} | ${cell(step(1, 'accuracy'), 3)} | ${cell(step(0, 'accuracy'), 3)} | ${cell(step(0, 'seconds'), 1)} | ${cell(step(1, 'seconds'), 1)} |`);
  }
  if (runs.node) {
    const final = (key) => runs.node.map((steps) => steps[steps.length - 1][key]);
    lines.push('', `Node, after step 2: accuracy on the test views seen in the room where the objects were taught ${cell(final('accuracyHomeRoom'), 3)}, in other rooms ${cell(final('accuracyOtherRooms'), 3)}; mean cosine similarity to the nearest class mean ${cell(final('cosineRight'), 3)} for test views of taught objects named right, ${cell(final('cosineNeverTaught'), 3)} for the ${manifest.neverTaught.length} never-taught objects (${manifest.neverTaught.join(', ')}); taught test views named right and not flagged unknown ${cell(final('rightAndNotFlagged'), 3)}, never-taught views flagged unknown ${cell(final('neverTaughtFlagged'), 3)}.`);
    const first = (key) => runs.node.map((steps) => steps[0][key]);
    lines.push('', `Node, after step 1 (${runs.node[0][0].classes.length} taught, ${manifest.neverTaught.length} never taught): taught test views named right and not flagged unknown ${cell(first('rightAndNotFlagged'), 3)}, never-taught views flagged unknown ${cell(first('neverTaughtFlagged'), 3)}.`);
  }
  const p = manifest.parameters;
  lines.push('', `Steps per seed: ${seeds.map((s) => `${s}: ${stepsFor(manifest.taught, s).map((c) => c.join(', ')).join(' | ')}`).join('; ')}.`,
             `Set: ${manifest.taught.length} taught objects x ${p.teachFrames} teach frames, ${p.testViews} test views each (${p.size}x${p.size}), generator seed ${p.seed}.`,
             `Command: \`${command}\`. Machine: ${machine()}. Date: ${started.toISOString().slice(0, 10)}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
  return `${lines.join('\n')}\n`;
}

function parseArguments(argv) {
  const options = { set: 'test', seeds: [1, 2, 3], builds: ['native', 'node'], settings: {}, out: path.join(ROOT, 'build/bench'),
                    start: path.join(ROOT, 'web/starter.icarl') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (SETS.includes(arg)) options.set = arg;
    else if (arg === '--seeds') options.seeds = argv[++i].split(',').map(Number);
    else if (arg === '--builds') options.builds = argv[++i].split(',');
    else if (arg === '--out') options.out = path.resolve(argv[++i]);
    else if (arg === '--start') options.start = path.resolve(argv[++i]);
    else if (arg === '--scratch') options.start = null;
    else if (arg === '--set') {
      const match = /^([A-Za-z][A-Za-z0-9_-]*)=(.*)$/.exec(argv[++i] ?? '');
      if (!match) throw new Error('--set needs NAME=VALUE');
      options.settings[camel(match[1])] = settingValue(match[2]);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.seeds.length || options.seeds.some((s) => !Number.isInteger(s) || s < 1)) throw new Error('--seeds needs whole numbers from 1');
  for (const build of options.builds) if (!RUNNERS[build]) throw new Error(`unknown build ${build} (expected ${Object.keys(RUNNERS).join(', ')})`);
  return options;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`teach-bench: ${error.message}`);
    process.exit(2);
  }
  const started = new Date();
  const command = `build-scripts/bench.sh teach ${process.argv.slice(2).join(' ')}`.trim();
  const setRoot = path.join(ROOT, 'build/teach-set');
  const manifest = generateSet(setRoot, options.set);
  const setDir = path.join(setRoot, options.set);
  const work = path.join(options.out, `teach-${options.set}-work`);
  const runs = {};
  for (const build of options.builds) {
    runs[build] = [];
    for (const seed of options.seeds) {
      const steps = stepsFor(manifest.taught, seed);
      const dir = path.join(work, `${build}-${seed}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      let result;
      try {
        result = await RUNNERS[build]({ setDir, steps, seed, settings: options.settings, work: dir, manifest, start: options.start });
      } catch (error) {
        // the native tool's own one-line complaint (an unknown --set, say) rather than a stack
        const detail = error.stderr?.toString().trim() || error.message;
        console.error(`teach-bench: ${options.set} ${build} seed ${seed} failed: ${detail}`);
        process.exit(1);
      }
      runs[build].push(result);
      console.error(`teach-bench: ${options.set} ${build} seed ${seed}: ${result.map((r) => `${r.accuracy.toFixed(3)} in ${r.seconds.toFixed(1)} s`).join(', then ')}`);
    }
  }
  const report = markdownReport({ ...options, command, manifest, runs, started });
  mkdirSync(options.out, { recursive: true });
  writeFileSync(path.join(options.out, `teach-${options.set}.md`), report);
  writeFileSync(path.join(options.out, `teach-${options.set}.json`),
                `${JSON.stringify({ set: options.set, seeds: options.seeds, settings: options.settings, start: options.start && path.relative(ROOT, options.start), command, date: started.toISOString(), runs }, null, 2)}\n`);
  process.stdout.write(report);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
