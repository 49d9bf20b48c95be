// relaxed-simd.test.mjs - the relaxed-SIMD kernels (src/kernels/gemm_wasmsimd.c built by clang-16
// with f32x4.relaxed_madd, src/wasm/relaxed-simd.cmake) and how the SIMD flavours link them.
// Node 20 runs relaxed SIMD only with --experimental-wasm-relaxed-simd, so every check runs in a
// child Node started with that flag (and some again without it).
// Tolerance: the kernels round each multiply-add once where simd128 rounds twice, so results are
// not bit-identical to simd128. The C tests hold them to the same bound as every other variant:
// |error| <= 1.2e-7 (k + 4) sum |a_i b_i|, a worst case for float accumulation in any order, with
// or without fused multiply-adds, against a double-precision reference. Through the engine, class
// scores (cosines in [-1, 1]) of one checkpoint may differ from simd128's by at most 1e-4.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { firstMissing, missingFile, needing } from './prerequisites.mjs';

const buildDirectory = fileURLToPath(new URL('../../build/wasm/', import.meta.url));
const icarlUrl = new URL('../../web/icarl.js', import.meta.url).href;
const RELAXED = '--experimental-wasm-relaxed-simd';
const rebuild = 'run build-scripts/build.sh; the relaxed-SIMD kernels need clang-16 and wasm-ld-16, Debian packages clang-16 and lld-16, which build-scripts/setup.sh installs';

function node(flags, args, input) {
  const run = spawnSync(process.execPath, [...flags, ...args], { encoding: 'utf8', timeout: 300000, input });
  assert.equal(run.status, 0, `node ${[...flags, ...args].join(' ')}: exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

// ---- the C kernel tests under relaxed SIMD --------------------------------------------------------

for (const name of ['test_gemm', 'test_conv2d']) {
  const file = `${buildDirectory}${name}_wasm.cjs`;
  const { test } = needing(missingFile(file, rebuild));
  test(`${name} compiled to WebAssembly runs the relaxed-SIMD kernels and passes`, (t) => {
    const output = node([RELAXED], [file]);
    t.diagnostic(output.split('\n').filter((line) => /wasmrelaxed|checks/.test(line)).join('; '));
    if (name === 'test_gemm') {
      assert.match(output, /gemm_4x8__wasmrelaxed +\d+ cases, 0 wrong/, 'sgemm against the double reference');
      assert.match(output, /gemm_4x8__wasmrelaxed +taps and dot_taps9 ok/, 'the shifted products');
      assert.match(output, /default variant: gemm_4x8__wasmrelaxed/, 'relaxed SIMD is the default where it runs');
    } else {
      assert.match(output, /conv2d with gemm_4x8__wasmrelaxed/, 'the convolutions against the direct reference');
    }
  });
}

{
  const file = `${buildDirectory}test_gemm_wasm.cjs`;
  const { test } = needing(missingFile(file, rebuild));
  test('without relaxed SIMD the same program runs the simd128 kernels and says why not the relaxed ones', () => {
    const output = node([], [file]);
    assert.match(output, /gemm_4x8__wasmrelaxed +not run: this CPU lacks relaxed-simd/);
    assert.match(output, /default variant: gemm_4x8__wasmsimd/);
  });
}

// ---- the kernel modules themselves ----------------------------------------------------------------

/** A reader over a WebAssembly binary's bytes (LEB128 integers, names). This test's own Node has
 * no relaxed SIMD, so it reads the modules rather than compiling them. */
function reader(bytes, at = 0) {
  return {
    get done() { return at >= bytes.length; },
    byte: () => bytes[at++],
    u32() {
      let value = 0, shift = 0, byte;
      do {
        byte = bytes[at++];
        value |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      return value >>> 0;
    },
    name() {
      const length = this.u32();
      at += length;
      return new TextDecoder().decode(bytes.subarray(at - length, at));
    },
    bytes(length) {
      at += length;
      return bytes.subarray(at - length, at);
    },
  };
}

/** {id: contents} of every section of a module. */
function sections(bytes) {
  const read = reader(bytes, 8);
  const found = {};
  while (!read.done) {
    const id = read.byte();
    found[id] = read.bytes(read.u32());
  }
  return found;
}

/** The imports: [{module, name, kind, shared}] (memories only: the test's modules import no other). */
function memoryImports(section) {
  const read = reader(section);
  return Array.from({ length: read.u32() }, () => {
    const entry = { module: read.name(), name: read.name(), kind: read.byte() };
    assert.equal(entry.kind, 2, `${entry.module}.${entry.name} is a memory`);
    const flags = read.byte();
    read.u32();
    if (flags & 1) read.u32();
    return { module: entry.module, name: entry.name, shared: (flags & 2) !== 0 };
  });
}

function exportNames(section) {
  const read = reader(section);
  return Array.from({ length: read.u32() }, () => {
    const name = read.name();
    read.byte();
    read.u32();
    return name;
  });
}

function contains(bytes, pattern) {
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return true;
  }
  return false;
}

for (const memory of ['plain', 'shared']) {
  const file = `${buildDirectory}relaxed-simd/gemm-relaxed-${memory}.wasm`;
  const { test } = needing(missingFile(file, rebuild));
  test(`the ${memory}-memory kernel module imports only a memory, has no data, and multiplies-adds with relaxed_madd`, () => {
    const found = sections(new Uint8Array(readFileSync(file)));
    assert.deepEqual(memoryImports(found[2]), [{ module: 'env', name: 'memory', shared: memory === 'shared' }]);
    assert.deepEqual(exportNames(found[7]).sort(),
      ['gemm_dot_4x4__wasmrelaxed', 'gemm_taps_4x8__wasmrelaxed', 'gemm_ukernel_4x8__wasmrelaxed', 'gemm_wasm_relaxed_available']);
    assert.ok(!(11 in found) && !(12 in found), 'no data segments, which would land in the engine\'s memory');
    assert.ok(contains(found[10], [0xfd, 0x85, 0x02]), 'f32x4.relaxed_madd (0xfd 0x85 0x02) in its code');
  });
}

// ---- through web/icarl.js -------------------------------------------------------------------------

const engineFiles = firstMissing(
  missingFile(`${buildDirectory}../../web/icarl-engine-simd.wasm`, rebuild),
  missingFile(`${buildDirectory}../../web/icarl-engine-simd-threads.wasm`, rebuild),
);
const { test } = needing(engineFiles);

// A script for a child Node: a small learner trained one step with the given engine options,
// its checkpoint (a hash), and the class scores of a few images, as JSON.
const script = `
import { createHash } from 'node:crypto';
import { createLearner, loadLearner, loadEngine, relaxedSimdSupported } from ${JSON.stringify(icarlUrl)};
const report = { supported: relaxedSimdSupported(), engines: {} };
for (const flavour of ['simd', 'simd-threads', 'scalar']) report.engines[flavour] = (await loadEngine({ flavour })).relaxedSimd;
const image = (c, i) => {
  const data = new Uint8Array(16 * 16 * 3);
  for (let j = 0; j < data.length; j++) data[j] = (j * (c + 3) + i * 37 + ((j >> 4) & 15) * c * 11) & 255;
  return { width: 16, height: 16, channels: 3, data };
};
const options = { inputSize: 16, blocksPerStage: 1, baseWidth: 8, batchSize: 16, epochs: 2, memory: 30, seed: 5 };
async function step(engine, relaxedSimd, threads) {
  const learner = await createLearner({ ...options, engine, relaxedSimd, threads });
  for (let c = 0; c < 3; c++) learner.addExamples('c' + c, Array.from({ length: 12 }, (_, i) => image(c, i)));
  await learner.train();
  const bytes = learner.save();
  const result = { relaxedSimd: learner.relaxedSimd, threads: learner.threads, checkpoint: createHash('sha256').update(bytes).digest('hex') };
  checkpoints.set(result.checkpoint, bytes);
  learner.dispose();
  return result;
}
const checkpoints = new Map();
async function scores(checkpoint, relaxedSimd) {
  const learner = await loadLearner(checkpoints.get(checkpoint), { engine: 'simd', relaxedSimd });
  const all = [];
  for (let i = 0; i < 6; i++) all.push(...learner.classify(image(i % 3, 100 + i)).scores.map((s) => s.score));
  const result = { relaxedSimd: learner.relaxedSimd, scores: all };
  learner.dispose();
  return result;
}
if (report.supported) {
  report.steps = {
    relaxed1: await step('simd-threads', true, 1),
    relaxed2: await step('simd-threads', true, 2),
    single: await step('simd', true, 1),
    simd128: await step('simd-threads', false, 1),
  };
  report.relaxedScores = await scores(report.steps.simd128.checkpoint, true);
  report.simd128Scores = await scores(report.steps.simd128.checkpoint, false);
} else {
  report.refused = await loadEngine({ flavour: 'simd', relaxedSimd: true }).then(() => 'loaded', (error) => error.code);
}
process.stdout.write(JSON.stringify(report) + '\\n', () => process.exit(0));
`;

const run = (flags) => JSON.parse(node([...flags, '--input-type=module', '-'], [], script).trim().split('\n').pop());

test('with relaxed SIMD both SIMD flavours link the kernels, every thread included, and a step is the same on 1 and 2 threads', () => {
  const report = run([RELAXED]);
  assert.equal(report.supported, true, 'relaxedSimdSupported() under the flag');
  assert.deepEqual(report.engines, { simd: true, 'simd-threads': true, scalar: false });
  const { relaxed1, relaxed2, single, simd128 } = report.steps;
  assert.deepEqual([relaxed1.relaxedSimd, relaxed2.relaxedSimd, single.relaxedSimd, simd128.relaxedSimd], [true, true, true, false]);
  assert.equal(relaxed2.threads, 2);
  // the pool's workers run the same kernels as the calling thread: bit-identical results
  assert.equal(relaxed2.checkpoint, relaxed1.checkpoint, 'relaxed SIMD on 2 threads gives the 1-thread checkpoint');
  assert.equal(single.checkpoint, relaxed1.checkpoint, 'the single-thread flavour gives the threads flavour\'s checkpoint');
  // fused multiply-adds round differently: the step is not simd128's
  assert.notEqual(relaxed1.checkpoint, simd128.checkpoint, 'the relaxed kernels ran, not simd128\'s');
});

test('one checkpoint classified with relaxed SIMD scores within 1e-4 of simd128', (t) => {
  const report = run([RELAXED]);
  const { relaxedScores, simd128Scores } = report;
  assert.equal(relaxedScores.relaxedSimd, true);
  assert.equal(simd128Scores.relaxedSimd, false);
  assert.equal(relaxedScores.scores.length, simd128Scores.scores.length);
  const worst = Math.max(...relaxedScores.scores.map((score, i) => Math.abs(score - simd128Scores.scores[i])));
  t.diagnostic(`largest score difference ${worst}`);
  assert.ok(worst <= 1e-4, `largest score difference ${worst}`);
  assert.ok(relaxedScores.scores.some((score, i) => score !== simd128Scores.scores[i]), 'the scores come from different kernels');
});

test('without relaxed SIMD the SIMD flavours run simd128, and asking for relaxed SIMD is refused', () => {
  const report = run([]);
  assert.equal(report.supported, false);
  assert.deepEqual(report.engines, { simd: false, 'simd-threads': false, scalar: false });
  assert.equal(report.refused, 'ENGINE_UNAVAILABLE');
});
