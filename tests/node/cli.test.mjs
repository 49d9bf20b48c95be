// cli.test.mjs - `node web/cli.mjs` is the `icarl` tool of src/cli compiled for Node, so for the
// same arguments it prints the same stdout and stderr, line for line, and exits with the same
// status as the native build (build/native/icarl, or ICARL_NATIVE=path): help and usage texts,
// bad flags (2), missing and damaged files (1), and `protocol`, `sanity` and `bench-gemm` end to
// end on a small synthetic Fashion-MNIST-shaped data set (gzip'd IDX files made here), where only
// timings and the last digits of trained accuracies may differ (the builds sum floats in different
// orders). Both builds must exist (build-scripts/build.sh; see prerequisites.mjs for what
// happens without them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { firstMissing, missingFile, needing } from './prerequisites.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const native = process.env.ICARL_NATIVE ?? path.join(root, 'build/native/icarl');
const cli = path.join(root, 'web/cli.mjs');
const { describe } = needing(firstMissing(
  missingFile(native, 'run build-scripts/build.sh, or set ICARL_NATIVE to an icarl binary'),
  ...['icarl-cli.cjs', 'icarl-cli.wasm', 'icarl-cli.worker.cjs'].map((name) => missingFile(path.join(root, 'web', name), 'run build-scripts/build.sh')),
));

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const runWasm = (...args) => run(process.execPath, [cli, ...args]);
const runNative = (...args) => run(native, args);

// Runs the same arguments through both tools: stdout, stderr and the exit status are identical.
function same(...args) {
  const wasm = runWasm(...args);
  const nativeResult = runNative(...args);
  assert.equal(wasm.stderr, nativeResult.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(wasm.stdout, nativeResult.stdout, `stdout of ${args.join(' ')}`);
  assert.equal(wasm.status, nativeResult.status, `exit status of ${args.join(' ')}`);
  return wasm;
}

// Lines with every number (and the padding before it) replaced, for outputs whose timings and
// accuracies differ by build.
const shape = (text) => text.split('\n').map((line) => line.replace(/ *-?\d+(\.\d+)?/g, ' #'));

describe('web/cli.mjs usage and errors', () => {
  let work;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'icarl-cli-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const COMMANDS = ['learn', 'predict', 'eval', 'info', 'protocol', 'sanity', 'bench-gemm'];

  test('help, version and unknown commands', () => {
    const help = same('--help');
    assert.equal(help.status, 0);
    for (const command of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.equal(same('--version').stdout, 'icarl 0.1.0\n');
    assert.equal(same('frobnicate').status, 2);
    assert.equal(same().status, 2);
    assert.equal(same('--bogus').status, 2);
    for (const command of COMMANDS) {
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
      ['eval', '--data', 'y'],
      ['protocol', '--size', 'huge'],
      ['protocol', '--classes-per-step', '11'],
      ['protocol', '--net', 'resnet18'],
      ['protocol', '--dataset', 'cifar-100'],
      ['sanity', '--epochs', '0'],
      ['sanity', '--augment', 'maybe'],
      ['sanity', '--batch-size', 'many'],
      ['sanity', 'extra'],
      ['bench-gemm', '--seconds', '0'],
      ['bench-gemm', '--variant'],
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
    assert.equal(same('predict', '--model', junk, path.join(work, 'none.png')).status, 1);
    assert.equal(same('eval', '--model', junk, '--data', work).status, 1);
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
    assert.equal(same('sanity', '--data-dir', path.join(work, 'nope')).status, 1);
    // An unwritable report path fails before the long run starts.
    const early = same('protocol', '--data-dir', path.join(work, 'nope'), '--json', path.join(work, 'no', 'such', 'dir', 'r.json'));
    assert.equal(early.status, 1);
    assert.match(early.stderr, /cannot write .*r\.json: No such file or directory/);
  });

  test('damaged Fashion-MNIST files: both builds read gzip alike and refuse them alike', () => {
    const cases = {
      // Cut in the middle, and one flipped bit in the trailer's CRC-32.
      truncated: (bytes) => bytes.subarray(0, bytes.length >> 1),
      'bad-crc': (bytes) => {
        const copy = Buffer.from(bytes);
        copy[copy.length - 8] ^= 1;
        return copy;
      },
      'not-gzip-inside': () => gzipSync(Buffer.from('not an IDX file')),
    };
    for (const [name, damage] of Object.entries(cases)) {
      const directory = path.join(work, `fashion-${name}`);
      mkdirSync(directory);
      writeSyntheticFashion(directory, 2, 1, 3);
      const file = path.join(directory, 'train-images-idx3-ubyte.gz');
      writeFileSync(file, damage(readFileSync(file)));
      for (const command of ['protocol', 'sanity']) {
        const result = same(command, '--data-dir', directory, '--epochs', '1');
        assert.equal(result.status, 1, `${command} on ${name}`);
        assert.match(result.stderr, new RegExp(`^icarl ${command}: cannot load Fashion-MNIST from .*fashion-${name}: .+\\n$`));
      }
    }
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

describe('protocol, sanity and bench-gemm on a small synthetic data set', () => {
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

    // The native run: the same lines but for timings and accuracies, the same class order
    // (the engine's own shuffle), the same JSON layout, close accuracies.
    const nativeJson = path.join(work, 'native.json');
    const nativeResult = runNative('protocol', '--data-dir', dataDirectory, ...ARGS, '--json', nativeJson);
    assert.equal(nativeResult.status, 0, nativeResult.stderr);
    assert.equal(nativeResult.stderr, '');
    const nativeLines = nativeResult.stdout.trim().split('\n');
    assert.equal(lines[0], nativeLines[0]);
    assert.deepEqual(shape(result.stdout), shape(nativeResult.stdout));
    const newClasses = (line) => line.slice(line.indexOf('(new:'), line.indexOf(';'));
    assert.equal(newClasses(lines[1]), newClasses(nativeLines[1]));
    assert.equal(newClasses(lines[2]), newClasses(nativeLines[2]));
    const nativeReport = JSON.parse(readFileSync(nativeJson, 'utf8'));
    const keys = (object) => Object.keys(object);
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
  });

  test('sanity prints the native lines and writes the same JSON layout', () => {
    const args = ['sanity', '--data-dir', dataDirectory, '--epochs', '1'];
    const wasmJson = path.join(work, 'sanity-wasm.json');
    const nativeJson = path.join(work, 'sanity-native.json');
    const wasm = runWasm(...args, '--json', wasmJson);
    const nativeResult = runNative(...args, '--json', nativeJson);
    assert.equal(wasm.status, 0, wasm.stderr);
    assert.equal(nativeResult.status, 0, nativeResult.stderr);
    assert.equal(wasm.stderr, '');
    assert.equal(nativeResult.stderr, '');
    const [first] = wasm.stdout.split('\n');
    assert.match(first, /^sanity: fashion-mnist, all 10 classes in one step, ResNet-20, 1 epochs, .*, 120 training and 60 test images$/);
    assert.equal(first, nativeResult.stdout.split('\n')[0]);
    assert.deepEqual(shape(wasm.stdout), shape(nativeResult.stdout));
    assert.match(wasm.stdout, /^test accuracy +CNN top-1 \d\.\d{4} +NME top-1 \d\.\d{4}$/m);
    const report = JSON.parse(readFileSync(wasmJson, 'utf8'));
    const nativeReport = JSON.parse(readFileSync(nativeJson, 'utf8'));
    assert.deepEqual(Object.keys(report), Object.keys(nativeReport));
    for (const key of ['benchmark', 'net', 'epochs', 'memory_total', 'seed', 'batch_size', 'learning_rate', 'training_images', 'test_images']) {
      assert.equal(report[key], nativeReport[key], key);
    }
    assert.equal(report.training_images, 120);
  });

  test('progress bars go to stderr when it is a terminal, in both builds', () => {
    // script(1) runs the command on a pseudo-terminal; its stdout goes to /dev/null in there.
    for (const tool of [`${process.execPath} ${cli}`, native]) {
      const command = `${tool} sanity --data-dir ${dataDirectory} --epochs 1 >/dev/null`;
      const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout);
      assert.match(result.stdout, /\rtraining epoch 1\/1 \[[# ]{24}\] +\d+%/, `${tool}: ${JSON.stringify(result.stdout.slice(0, 200))}`);
    }
  });

  test("bench-gemm measures the WebAssembly build's kernels in the native format", () => {
    const wasm = runWasm('bench-gemm', '--seconds', '0.05');
    assert.equal(wasm.status, 0, wasm.stderr);
    const rates = new Map();
    for (const line of wasm.stdout.trim().split('\n')) {
      // relaxed SIMD runs only under node --experimental-wasm-relaxed-simd (relaxed-simd.test.mjs)
      if (/^gemm_4x8__wasmrelaxed +not supported on this machine$/.test(line)) continue;
      const match = line.match(/^(\S+) +(square|conv) .* (\d+\.\d+) GFLOP\/s$/);
      assert.ok(match, line);
      rates.set(match[1], [...(rates.get(match[1]) ?? []), Number(match[3])]);
    }
    assert.deepEqual([...rates.keys()], ['gemm_4x8__scalar', 'gemm_4x8__wasmsimd']);
    for (const values of rates.values()) assert.ok(values.length === 6 && values.every((rate) => rate > 0), String(values));
    const nativeResult = runNative('bench-gemm', '--seconds', '0.05', '--variant', 'gemm_4x8__scalar');
    const scalarLines = wasm.stdout.split('\n').filter((line) => line.startsWith('gemm_4x8__scalar '));
    assert.deepEqual(shape(`${scalarLines.join('\n')}\n`), shape(nativeResult.stdout));
  });
});
