// native-cross.test.mjs - the same checkpoint bytes work in both builds (docs/design.md 5.5): a model
// learned by the native `icarl learn` loads in Node and classifies the same images the same way,
// and a model learned through the WebAssembly build (web/cli.mjs and the JS API) does so in the
// native tool; `web/cli.mjs` prints what the native tool prints. Needs the native tool
// (build/native/icarl, or ICARL_NATIVE=path; see prerequisites.mjs for what happens without it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { createLearner, loadEngine, loadLearner } from '../../web/icarl.js';
import { missingFile, needing } from './prerequisites.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const native = process.env.ICARL_NATIVE ?? path.join(root, 'build/native/icarl');
const cli = path.join(root, 'web/cli.mjs');
const { describe } = needing(missingFile(native, 'run build-scripts/build.sh, or set ICARL_NATIVE to an icarl binary'));

// A 24-bit bottom-up BMP of w x h pixels; pixel(x, y) gives [r, g, b] with y = 0 at the top.
function bmp(width, height, pixel) {
  const row = Math.ceil((width * 3) / 4) * 4;
  const bytes = Buffer.alloc(54 + row * height);
  bytes.write('BM', 0);
  bytes.writeUInt32LE(bytes.length, 2);
  bytes.writeUInt32LE(54, 10);
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(height, 22);
  bytes.writeUInt16LE(1, 26);
  bytes.writeUInt16LE(24, 28);
  bytes.writeUInt32LE(row * height, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, height - 1 - y);
      const at = 54 + y * row + x * 3;
      bytes[at] = b;
      bytes[at + 1] = g;
      bytes[at + 2] = r;
    }
  }
  return bytes;
}

const KINDS = {
  red: () => [200, 40, 40],
  sky: () => [60, 120, 220],
  stripes: (x) => ((x >> 2) % 2 ? [230, 230, 230] : [20, 20, 20]),
};

// Class folders of BMPs of assorted sizes (so the crop and resize run), with seeded noise.
function writeDataFolder(directory, kinds, count, seed) {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (const name of kinds) {
    mkdirSync(path.join(directory, name), { recursive: true });
    for (let i = 0; i < count; i++) {
      const image = bmp(36 + i, 30 + 2 * i, (x, y) => KINDS[name](x, y).map((v) => Math.max(0, Math.min(255, Math.round(v + (random() - 0.5) * 60)))));
      writeFileSync(path.join(directory, name, `img${String(i).padStart(2, '0')}.bmp`), image);
    }
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const runNative = (...args) => run(native, args);
const runWasm = (...args) => run(process.execPath, [cli, ...args]);

// predict lines: path, label, score.
function parsePredictions(text) {
  return text.trim().split('\n').map((line) => {
    const [file, label, score] = line.split('\t');
    return { file, label, score: Number(score) };
  });
}

function assertSamePredictions(left, right, what) {
  assert.equal(left.length, right.length, what);
  left.forEach((entry, i) => {
    assert.equal(right[i].file, entry.file, what);
    assert.equal(right[i].label, entry.label, `${what}: ${entry.file}`);
    // Native (AVX/FMA) and wasm sum in different orders: the 4-decimal scores may differ a hair.
    assert.ok(Math.abs(right[i].score - entry.score) <= 2e-3, `${what}: ${entry.file} scores ${entry.score} vs ${right[i].score}`);
  });
}

describe('checkpoints cross between the native tool and the WebAssembly build', () => {
  let work, data, images;

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'icarl-cross-'));
    data = path.join(work, 'data');
    writeDataFolder(data, Object.keys(KINDS), 8, 5);
    images = Object.keys(KINDS).flatMap((name) => Array.from({ length: 8 }, (_, i) => path.join(data, name, `img${String(i).padStart(2, '0')}.bmp`)));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the native tool runs and names itself', () => {
    const version = runNative('--version');
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^icarl /);
  });

  test('a model learned natively loads in Node and classifies the same way', async () => {
    const model = path.join(work, 'native.icarl');
    const learned = runNative('learn', '--model', model, '--data', data, '--epochs', '3');
    assert.equal(learned.status, 0, learned.stderr);
    const nativePredictions = parsePredictions(runNative('predict', '--model', model, ...images).stdout);

    // Through the JS API: the engine decodes the files as the native tool does.
    const engine = await loadEngine();
    const learner = await loadLearner(readFileSync(model));
    try {
      assert.deepEqual(learner.classes, ['red', 'sky', 'stripes']);
      const fromApi = images.map((file) => {
        const { label, score } = learner.classify(engine.decodeImage(readFileSync(file), 3));
        return { file, label, score: Number(score.toFixed(4)) };
      });
      assertSamePredictions(nativePredictions, fromApi, 'JS API vs native predict');
    } finally {
      learner.dispose();
    }

    // Through web/cli.mjs, line by line.
    const wasm = runWasm('predict', '--model', model, ...images);
    assert.equal(wasm.status, 0, wasm.stderr);
    assertSamePredictions(nativePredictions, parsePredictions(wasm.stdout), 'cli.mjs vs native predict');

    // info and eval print exactly the same text.
    assert.equal(runWasm('info', '--model', model).stdout, runNative('info', '--model', model).stdout);
    const nativeJson = path.join(work, 'native-eval.json');
    const wasmJson = path.join(work, 'wasm-eval.json');
    const nativeEval = runNative('eval', '--model', model, '--data', data, '--json', nativeJson);
    const wasmEval = runWasm('eval', '--model', model, '--data', data, '--json', wasmJson);
    assert.equal(wasmEval.status, 0, wasmEval.stderr);
    assert.equal(wasmEval.stdout, nativeEval.stdout);
    assert.match(wasmEval.stdout, /^accuracy: \d\.\d{4}\n$/);
    const nativeReport = JSON.parse(readFileSync(nativeJson, 'utf8'));
    const wasmReport = JSON.parse(readFileSync(wasmJson, 'utf8'));
    assert.deepEqual(Object.keys(wasmReport), Object.keys(nativeReport));
    assert.equal(wasmReport.accuracy, nativeReport.accuracy);
  });

  test('a model learned in WebAssembly (cli.mjs) works in the native tool', () => {
    const model = path.join(work, 'wasm.icarl');
    const learned = runWasm('learn', '--model', model, '--data', data, '--epochs', '3');
    assert.equal(learned.status, 0, learned.stderr);
    assert.match(learned.stdout, /^created .*wasm\.icarl: 24 images of 3 class folders learned in [\d.]+ s \(final loss [\d.]+\)\n/);
    const nativeInfo = runNative('info', '--model', model);
    assert.equal(nativeInfo.status, 0, nativeInfo.stderr);
    assert.equal(nativeInfo.stdout, runWasm('info', '--model', model).stdout);
    assertSamePredictions(parsePredictions(runNative('predict', '--model', model, ...images).stdout), parsePredictions(runWasm('predict', '--model', model, ...images).stdout), 'native vs cli.mjs on a wasm model');
  });

  test('a model made with the JS API loads natively; a native second step loads back in Node', async () => {
    const engine = await loadEngine();
    const learner = await createLearner({ seed: 3, epochs: 3 });
    const model = path.join(work, 'api.icarl');
    try {
      for (const name of ['red', 'sky']) {
        learner.addExamples(name, images.filter((file) => file.includes(`/${name}/`)).map((file) => engine.decodeImage(readFileSync(file), 3)));
      }
      await learner.train();
      writeFileSync(model, learner.save());
    } finally {
      learner.dispose();
    }
    // The native tool adds a class to the wasm-made model (a second incremental step) ...
    const stripesOnly = path.join(work, 'stripes-only');
    writeDataFolder(stripesOnly, ['stripes'], 8, 77);
    const step = runNative('learn', '--model', model, '--data', stripesOnly, '--epochs', '3');
    assert.equal(step.status, 0, step.stderr);
    assert.match(step.stdout, /^updated /);
    // ... and Node reads the result and agrees with the native predictions.
    const again = await loadLearner(readFileSync(model));
    try {
      assert.deepEqual(again.classes, ['red', 'sky', 'stripes']);
      assert.deepEqual(again.classDetails.map((entry) => entry.trained), [true, true, true]);
      const nativePredictions = parsePredictions(runNative('predict', '--model', model, ...images).stdout);
      const fromApi = images.map((file) => {
        const { label, score } = again.classify(engine.decodeImage(readFileSync(file), 3));
        return { file, label, score: Number(score.toFixed(4)) };
      });
      assertSamePredictions(nativePredictions, fromApi, 'JS API vs native after a native step');
    } finally {
      again.dispose();
    }
  });

  test('both tools refuse a damaged model with one clear line and a non-zero exit', () => {
    const model = path.join(work, 'native.icarl');
    const damaged = path.join(work, 'damaged.icarl');
    const bytes = readFileSync(model);
    writeFileSync(damaged, bytes.subarray(0, bytes.length >> 1));
    const nativeResult = runNative('info', '--model', damaged);
    const wasmResult = runWasm('info', '--model', damaged);
    assert.equal(nativeResult.status, 1);
    assert.equal(wasmResult.status, 1);
    assert.equal(wasmResult.stdout, '');
    assert.equal(wasmResult.stderr.trim().split('\n').length, 1);
    assert.equal(wasmResult.stderr, nativeResult.stderr);
  });
});
