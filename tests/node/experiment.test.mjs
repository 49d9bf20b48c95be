// experiment.test.mjs - the pieces of the page's Experiment mode that need no browser:
// build-scripts/make-fashion-subset.mjs (deterministic, the first N images per class in file
// order), web/experiment.js's subset parser (gzip or not, damaged files refused), its forgetting
// measure, and a tiny end-to-end run of the protocol in Node with the shapes the page draws.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { test } from 'node:test';

import { createLearner } from '../../web/icarl.js';
import { forgetting, maybeGunzip, parseSubset, runExperiment, schedule } from '../../web/experiment.js';
import { missingFile, needing } from './prerequisites.mjs';

const SOURCE = '/usr/share/datasets/fashion-mnist';
const SCRIPT = fileURLToPath(new URL('../../build-scripts/make-fashion-subset.mjs', import.meta.url));
const withData = needing(missingFile(join(SOURCE, 'train-images-idx3-ubyte.gz'), 'Debian package dataset-fashion-mnist; build-scripts/setup.sh installs it'));

/** A synthetic subset file: class c's images are flat grey at 20 + 20c with a class stripe. */
function syntheticSubset({ classes = 4, train = 6, test = 4, side = 8 } = {}) {
  const names = Array.from({ length: classes }, (_, c) => `class ${c}`);
  const header = Buffer.from(JSON.stringify({ version: 1, side, classes: names, train, test }));
  const image = (c, i) => {
    const data = Buffer.alloc(side * side, 20 + 20 * c + (i % 3));
    for (let y = 0; y < side; y++) data[y * side + (c % side)] = 250;
    return data;
  };
  const parts = [];
  for (const count of [train, test]) for (let c = 0; c < classes; c++) for (let i = 0; i < count; i++) parts.push(image(c, i));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from('FMSUBSET'), length, header, ...parts]);
}

withData.test('make-fashion-subset: the first N images per class in file order, the same bytes every time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icarl-subset-'));
  try {
    const out = [join(dir, 'a.bin'), join(dir, 'b.bin')];
    for (const path of out) {
      const result = spawnSync(process.execPath, [SCRIPT, '--train', '3', '--test', '2', '--out', path], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    }
    const bytes = readFileSync(out[0]);
    assert.ok(bytes.equals(readFileSync(out[1])), 'deterministic');
    const subset = parseSubset(gunzipSync(bytes));
    assert.equal(subset.side, 28);
    assert.equal(subset.classes.length, 10);
    assert.equal(subset.classes[9], 'Ankle boot');
    // Image 1 of class 0 in the subset is the second training image labelled 0 in the IDX file.
    const labels = gunzipSync(readFileSync(join(SOURCE, 'train-labels-idx1-ubyte.gz'))).subarray(8);
    const images = gunzipSync(readFileSync(join(SOURCE, 'train-images-idx3-ubyte.gz'))).subarray(16);
    const positions = [];
    for (let i = 0; positions.length < 2; i++) if (labels[i] === 0) positions.push(i);
    const expected = images.subarray(positions[1] * 784, (positions[1] + 1) * 784);
    assert.ok(Buffer.from(subset.trainPixels.subarray(784, 2 * 784)).equals(expected));
    const bad = spawnSync(process.execPath, [SCRIPT, '--train', '0', '--out', join(dir, 'c.bin')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--train/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseSubset reads gzip or plain bytes and refuses damaged files clearly', async () => {
  const plain = syntheticSubset();
  for (const bytes of [plain, gzipSync(plain)]) {
    const subset = parseSubset(await maybeGunzip(new Uint8Array(bytes)));
    assert.equal(subset.classes.length, 4);
    assert.equal(subset.trainPixels.length, 4 * 6 * 64);
    assert.equal(subset.testPixels.length, 4 * 4 * 64);
  }
  assert.throws(() => parseSubset(new Uint8Array(5)), /not a Fashion-MNIST subset/);
  assert.throws(() => parseSubset(plain.subarray(0, plain.length - 1)), /truncated/);
  const broken = Buffer.from(plain);
  broken[13] = 0x7b; // inside the JSON
  broken[14] = 0x7b;
  assert.throws(() => parseSubset(broken), /damaged header|unknown header/);
});

test('forgetting: mean over old classes of best earlier accuracy minus now; none at the first step', () => {
  const history = [{ 0: 0.9, 1: 0.8 }, { 0: 0.5, 1: 0.8, 2: 1, 3: 1 }, { 0: 0.6, 1: 0.2, 2: 0.7, 3: 1, 4: 1, 5: 1 }];
  assert.equal(forgetting(history, 0, [0, 1]), null);
  assert.ok(Math.abs(forgetting(history, 1, [2, 3]) - (0.4 + 0) / 2) < 1e-12);
  assert.ok(Math.abs(forgetting(history, 2, [4, 5]) - (0.3 + 0.6 + 0.3 + 0) / 4) < 1e-12);
  assert.deepEqual(schedule(5, 2), [[0, 1], [2, 3], [4]]);
});

test('runExperiment: both methods step by step, confusion matrices over the seen classes, exemplars for iCaRL', async () => {
  const subset = parseSubset(syntheticSubset({ train: 16 }));
  const events = [];
  let lastFraction = 0;
  const { results, seconds } = await runExperiment(subset, { epochs: 4, memory: 8, batchSize: 8, exemplarsShown: 3 }, {
    createLearner,
    onProgress: (p) => {
      assert.ok(p.fraction >= lastFraction - 1e-9 && p.fraction <= 1 + 1e-9, `progress ${p.fraction} after ${lastFraction}`);
      lastFraction = p.fraction;
    },
    onResult: (r) => events.push(`${r.step}${r.method}`),
  });
  assert.deepEqual(events, ['0icarl', '0finetune', '1icarl', '1finetune']);
  assert.ok(Math.abs(lastFraction - 1) < 1e-9, `progress ends at 1, not ${lastFraction}`);
  // The run's time covers its steps' times (both measured, neither compared with a clock).
  const stepSeconds = results.reduce((sum, r) => sum + r.seconds, 0);
  assert.ok(stepSeconds <= seconds, `the steps took ${stepSeconds} s of a run of ${seconds} s`);
  for (const r of results) {
    const seen = 2 * (r.step + 1);
    assert.equal(r.confusion.length, seen);
    assert.equal(r.confusion.flat().reduce((a, b) => a + b, 0), seen * 4, 'every test image counted once');
    assert.equal(Object.keys(r.perClass).length, seen);
    if (r.method === 'icarl') {
      assert.equal(r.exemplars.length, seen);
      for (const e of r.exemplars) {
        assert.equal(e.count, 8 / seen, 'm = K / classes');
        assert.equal(e.images.length, Math.min(3, e.count), 'at most exemplarsShown');
        assert.equal(e.images[0].length, 64);
      }
    } else {
      assert.deepEqual(r.exemplars, []);
    }
  }
  // These classes are trivially told apart: iCaRL keeps the old ones, finetuning loses them.
  const final = (m) => results.filter((r) => r.method === m).at(-1);
  assert.ok(final('icarl').accuracy > final('finetune').accuracy, `${final('icarl').accuracy} vs ${final('finetune').accuracy}`);
  assert.deepEqual([final('finetune').perClass[0], final('finetune').perClass[1]], [0, 0], 'finetuning lost the first classes');
  assert.ok(final('finetune').forgetting > final('icarl').forgetting, `forgetting: finetuning ${final('finetune').forgetting}, iCaRL ${final('icarl').forgetting}`);

  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runExperiment(subset, { epochs: 1 }, { createLearner, signal: controller.signal }), (error) => error.code === 'ABORTED');
});
