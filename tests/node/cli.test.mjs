// cli.test.mjs - `node web/cli.mjs`: usage errors, exit codes and outputs in the native tool's
// formats, and `protocol` end to end on a small synthetic Fashion-MNIST-shaped data set (gzip'd
// IDX files made here), compared with the native tool when it is present.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));
const native = process.env.ICARL_NATIVE ?? path.join(root, 'build/native/icarl');
const haveNative = existsSync(native);
const cli = path.join(root, 'web/cli.mjs');

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const runWasm = (...args) => run(process.execPath, [cli, ...args]);
const runNative = (...args) => run(native, args);

// Runs the same arguments through both tools; when the native one is present, stdout, stderr
// and the exit status must be identical.
function same(...args) {
  const wasm = runWasm(...args);
  if (haveNative) {
    const nativeResult = runNative(...args);
    assert.equal(wasm.stderr, nativeResult.stderr, `stderr of ${args.join(' ')}`);
    assert.equal(wasm.stdout, nativeResult.stdout, `stdout of ${args.join(' ')}`);
    assert.equal(wasm.status, nativeResult.status, `exit status of ${args.join(' ')}`);
  }
  return wasm;
}

describe('web/cli.mjs usage and errors', () => {
  let work;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'icarl-cli-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('help, version and unknown commands', () => {
    const help = runWasm('--help');
    assert.equal(help.status, 0);
    for (const command of ['learn', 'predict', 'eval', 'info', 'protocol']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.equal(same('--version').stdout, 'icarl 0.1.0\n');
    assert.equal(same('frobnicate').status, 2);
    assert.equal(same().status, 2);
    assert.equal(same('--bogus').status, 2);
    for (const command of ['learn', 'predict', 'eval', 'info', 'protocol']) {
      const usage = same(command, '--help');
      assert.equal(usage.status, 0);
      assert.match(usage.stdout, new RegExp(`^usage: icarl ${command}`));
    }
  });

  test('bad flags: one line on stderr, exit status 2, same text as the native tool', () => {
    const cases = [
      ['info'],
      ['info', '--model'],
      ['info', '--model='],
      ['info', '--modle', 'x'],
      ['info', '-m', 'x'],
      ['info', '--model', 'x', 'extra'],
      ['learn', '--model', 'x'],
      ['learn', '--model', 'x', '--data', 'y', '--epochs', '0'],
      ['learn', '--model', 'x', '--data', 'y', '--epochs', '2.5'],
      ['learn', '--model', 'x', '--data', 'y', '--seed', '-1'],
      ['predict', '--model', 'x'],
      ['protocol', '--size', 'huge'],
      ['protocol', '--classes-per-step', '11'],
      ['protocol', '--net', 'resnet18'],
    ];
    for (const args of cases) {
      const result = same(...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.split('\n').length, 2, `one line for ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^icarl /);
    }
  });

  test('missing or bad files: one line, exit status 1, nothing written', () => {
    const missing = path.join(work, 'missing.icarl');
    assert.equal(same('info', '--model', missing).status, 1);
    assert.equal(same('info', '--model', work).status, 1);
    const junk = path.join(work, 'junk.icarl');
    writeFileSync(junk, 'not a model at all, just text');
    const refused = same('info', '--model', junk);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^icarl info: cannot load model .*junk\.icarl: .+\n$/);
    assert.equal(readFileSync(junk, 'utf8'), 'not a model at all, just text');
    assert.equal(same('learn', '--model', missing, '--data', path.join(work, 'nope')).status, 1);
    assert.equal(existsSync(missing), false);
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    assert.equal(same('learn', '--model', missing, '--data', empty).status, 1);
    // An undecodable "image" stops learn before anything is written.
    mkdirSync(path.join(work, 'bad', 'cat'), { recursive: true });
    writeFileSync(path.join(work, 'bad', 'cat', 'broken.png'), 'this is not a png');
    const broken = same('learn', '--model', missing, '--data', path.join(work, 'bad'));
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /cannot decode image .*broken\.png/);
    assert.equal(existsSync(missing), false);
    assert.equal(same('protocol', '--data-dir', path.join(work, 'nope')).status, 1);
    // An unwritable report path fails before the long run starts.
    const early = same('protocol', '--data-dir', path.join(work, 'nope'), '--json', path.join(work, 'no', 'such', 'dir', 'r.json'));
    assert.equal(early.status, 1);
    assert.match(early.stderr, /cannot write .*r\.json: No such file or directory/);
  });
});

// ---- protocol on a synthetic, Fashion-MNIST-shaped data set -------------------------------------

function idxImages(images) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  return gzipSync(Buffer.concat([header, ...images]));
}

function idxLabels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return gzipSync(Buffer.concat([header, Buffer.from(labels)]));
}

// Ten classes: a bright 3-pixel bar, vertical or horizontal, at one of five positions 5 pixels
// apart (more than the random crop's 2-pixel shift), with noise.
function writeSyntheticFashion(directory, trainPerClass, testPerClass, seed) {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const image = (label) => {
    const pixels = Buffer.alloc(28 * 28);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const along = label < 5 ? x : y;
        const across = label < 5 ? y : x;
        const on = Math.abs(across - (3 + 5 * (label % 5))) <= 1 && along > 3 && along < 24;
        pixels[y * 28 + x] = Math.max(0, Math.min(255, Math.round((on ? 200 : 20) + (random() - 0.5) * 60)));
      }
    }
    return pixels;
  };
  for (const [prefix, perClass] of [['train', trainPerClass], ['t10k', testPerClass]]) {
    const labels = [];
    for (let i = 0; i < perClass; i++) for (let label = 0; label < 10; label++) labels.push(label);
    writeFileSync(path.join(directory, `${prefix}-images-idx3-ubyte.gz`), idxImages(labels.map(image)));
    writeFileSync(path.join(directory, `${prefix}-labels-idx1-ubyte.gz`), idxLabels(labels));
  }
}

describe('protocol on a small synthetic data set', () => {
  let work, dataDirectory;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'icarl-protocol-'));
    dataDirectory = path.join(work, 'fashion');
    mkdirSync(dataDirectory);
    writeSyntheticFashion(dataDirectory, 12, 6, 1);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const ARGS = ['--classes-per-step', '5', '--epochs', '3', '--memory', '40', '--order', 'shuffled', '--seed', '4'];

  test('prints the native lines and writes the JSON report and the SVG plot', () => {
    const json = path.join(work, 'wasm.json');
    const svg = path.join(work, 'wasm.svg');
    const result = runWasm('protocol', '--data-dir', dataDirectory, ...ARGS, '--json', json, '--svg', svg);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '', 'no progress bars when stderr is not a terminal');
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0], /^protocol: fashion-mnist quick, ResNet-20, 3 epochs per step, 2 steps of up to 5 classes, memory K=40 exemplars in total, shuffled order, seed 4, method icarl, loss sigmoid, 120 training images$/);
    assert.match(lines[1], /^step 1\/2  classes  5  NME top-1 \d\.\d{4}  CNN top-1 \d\.\d{4}  \(new: [^;]+; train [\d.]+ s, \d+ images\/s, test [\d.]+ s\)$/);
    assert.match(lines[2], /^step 2\/2  classes 10  NME top-1 \d\.\d{4}  CNN top-1 \d\.\d{4}  /);
    assert.match(lines[3], /^average incremental accuracy  NME \d\.\d{4}  CNN \d\.\d{4}$/);
    assert.match(lines[4], /^final accuracy                NME \d\.\d{4}  CNN \d\.\d{4}$/);
    assert.match(lines[5], /^average forgetting            NME -?\d\.\d{4}  CNN -?\d\.\d{4}  \(classes learned before the last step: best earlier accuracy - final accuracy\)$/);
    assert.match(lines[6], /^total time                    [\d.]+ s$/);

    const report = JSON.parse(readFileSync(json, 'utf8'));
    for (const key of ['steps', 'average_incremental_nme', 'average_incremental_cnn', 'final_nme', 'final_cnn', 'forgetting_nme', 'seconds']) assert.ok(key in report, key);
    assert.equal(report.steps.length, 2);
    assert.equal(report.steps[1].classes.length, 10);
    for (const step of report.steps) {
      assert.ok(step.nme >= 0 && step.nme <= 1);
      assert.ok(step.cnn >= 0 && step.cnn <= 1);
    }
    assert.ok(report.final_nme > 0.5, `this easy data set is learned (final NME ${report.final_nme})`);
    assert.match(readFileSync(svg, 'utf8'), /^<\?xml[^]*<svg [^]*<polyline[^]*<\/svg>\n$/);

    if (haveNative) {
      // Same class order (the engine's own shuffle), same JSON layout, close accuracies.
      const nativeJson = path.join(work, 'native.json');
      const nativeResult = runNative('protocol', '--data-dir', dataDirectory, ...ARGS, '--json', nativeJson);
      assert.equal(nativeResult.status, 0, nativeResult.stderr);
      const nativeLines = nativeResult.stdout.trim().split('\n');
      assert.equal(lines[0], nativeLines[0]);
      const newClasses = (line) => line.slice(line.indexOf('(new:'), line.indexOf(';'));
      assert.equal(newClasses(lines[1]), newClasses(nativeLines[1]));
      assert.equal(newClasses(lines[2]), newClasses(nativeLines[2]));
      const nativeReport = JSON.parse(readFileSync(nativeJson, 'utf8'));
      const keys = (object) => Object.keys(object).filter((key) => key !== 'engine');
      assert.deepEqual(keys(report), keys(nativeReport));
      assert.deepEqual(keys(report.configuration), keys(nativeReport.configuration));
      assert.deepEqual(report.configuration.class_order, nativeReport.configuration.class_order);
      assert.deepEqual(keys(report.steps[0]), keys(nativeReport.steps[0]));
      for (const key of ['final_nme', 'average_incremental_nme']) {
        // Float sums differ between the builds (FMA, order), so the runs drift apart on 60 test
        // images; on an easy set both must still do well.
        assert.ok(nativeReport[key] > 0.5, `native ${key} ${nativeReport[key]}`);
        assert.ok(Math.abs(report[key] - nativeReport[key]) <= 0.2, `${key}: wasm ${report[key]} vs native ${nativeReport[key]}`);
      }
    }
  });
});
