// engine.test.mjs - the WebAssembly engine itself: both flavours load in Node, the SIMD build
// really contains v128 code (and the scalar one none), and every GEMM kernel variant agrees with
// the scalar reference and a float64 JS reference on sizes around the 4x8 tile and the cache
// blocks, with transposes, strides, alpha and beta. (GEMM speed is measured by the benchmarks,
// build-scripts/bench.sh, not here.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { autoFlavour, loadEngine, simdSupported } from '../../web/icarl.js';
import { missingCommand, needing } from './prerequisites.mjs';

const webDirectory = fileURLToPath(new URL('../../web/', import.meta.url));

test('Node 20 runs WebAssembly SIMD and threads, so the SIMD threads flavour is the default', async () => {
  assert.equal(simdSupported(), true);
  assert.equal(autoFlavour(), 'simd-threads');
  assert.equal((await loadEngine()).flavour, 'simd-threads');
  assert.equal(autoFlavour({ threads: false }), 'simd', 'the best single-thread flavour (a page\'s main thread)');
});

test('without SIMD support the scalar build is chosen (WebAssembly.validate probe)', async (t) => {
  const validate = WebAssembly.validate;
  WebAssembly.validate = () => false; // a browser without simd128
  t.after(() => {
    WebAssembly.validate = validate;
  });
  assert.equal(simdSupported(), false);
  assert.equal(autoFlavour(), 'scalar');
  assert.equal(autoFlavour({ threads: false }), 'scalar');
  assert.equal((await loadEngine()).flavour, 'scalar');
  await assert.rejects(loadEngine({ flavour: 'simd' }), (error) => error.code === 'ENGINE_UNAVAILABLE');
  await assert.rejects(loadEngine({ flavour: 'avx' }), (error) => error.code === 'INVALID_ARGUMENT');
  await assert.rejects(loadEngine({ flavour: 'simd-threads' }), (error) => error.code === 'ENGINE_UNAVAILABLE');
  WebAssembly.validate = validate;
  assert.equal((await loadEngine()).flavour, 'simd-threads');
});

for (const flavour of ['simd', 'scalar']) {
  test(`the ${flavour} engine loads and lists its GEMM variants`, async () => {
    const engine = await loadEngine({ flavour });
    assert.equal(engine.flavour, flavour);
    const variants = engine.gemmVariants();
    assert.equal(variants[0], 'gemm_4x8__scalar', 'the scalar reference comes first');
    assert.equal(variants.includes('gemm_4x8__wasmsimd'), flavour === 'simd');
    assert.equal(engine.c.strerror(9), engine.c.strerror(9)); // stable static strings
    assert.match(engine.c.strerror(0), /\S/);
  });
}

// Counts SIMD instructions in the disassembly: any v128 op or lane-typed vector op.
function countSimdInstructions(wasmPath) {
  const listing = execFileSync('wasm-objdump', ['-d', wasmPath], { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  let count = 0;
  for (const line of listing.split('\n')) {
    if (/\|\s*(v128\.|[if](8x16|16x8|32x4|64x2)\.)/.test(line)) count++;
  }
  return count;
}

const withObjdump = needing(missingCommand('wasm-objdump', ['--version'], 'Debian package wabt; build-scripts/setup.sh installs it'));

withObjdump.test('the SIMD .wasm really contains v128 instructions and the scalar one none', (t) => {
  const simd = countSimdInstructions(`${webDirectory}icarl-engine-simd.wasm`);
  const scalar = countSimdInstructions(`${webDirectory}icarl-engine-scalar.wasm`);
  t.diagnostic(`v128 instructions: simd build ${simd}, scalar build ${scalar}`);
  assert.ok(simd >= 500, `expected many SIMD instructions in the SIMD build, found ${simd}`);
  assert.equal(scalar, 0);
});

// A small deterministic generator, so a failure reproduces.
function filler(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) / (1 << 24) - 0.5;
  };
}

function randomMatrix(length, next) {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = next();
  return values;
}

// C = alpha op(A) op(B) + beta C in float64, the independent reference.
function referenceGemm({ transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc }) {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = transposeA ? a[p * lda + i] : a[i * lda + p];
        const bv = transposeB ? b[j * ldb + p] : b[p * ldb + j];
        sum += av * bv;
      }
      out[i * ldc + j] = alpha * sum + (beta === 0 ? 0 : beta * c[i * ldc + j]);
    }
  }
  return out;
}

// Sizes below, at, above and around the 4x8 tile, plus ones crossing the 64/256/1024 cache
// blocks, and the convolution-like shape (few rows, long k) that reads B in place.
const SHAPES = [
  [1, 1, 1], [3, 7, 5], [4, 8, 1], [5, 9, 3], [4, 8, 17], [7, 15, 33], [13, 1, 29], [1, 31, 11],
  [65, 33, 257], [16, 1025, 27], [67, 70, 300], [16, 200, 576],
];

test('every GEMM variant matches the scalar reference and a float64 reference', async (t) => {
  const engine = await loadEngine({ flavour: 'simd' });
  const variants = engine.gemmVariants();
  assert.ok(variants.length >= 2);
  let checked = 0;
  for (const [m, n, k] of SHAPES) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const next = filler(m * 7919 + n * 104729 + k * 31 + (transposeA ? 1 : 0) + (transposeB ? 2 : 0));
        // Padded strides, so a kernel that assumes tight rows fails.
        const lda = (transposeA ? m : k) + 3;
        const ldb = (transposeB ? k : n) + 2;
        const ldc = n + 5;
        const a = randomMatrix((transposeA ? k : m) * lda, next);
        const b = randomMatrix((transposeB ? n : k) * ldb, next);
        const c = randomMatrix(m * ldc, next);
        for (const [alpha, beta] of [[1, 0], [0.5, 1], [-1.25, 0.75]]) {
          const args = { transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc };
          const expected = referenceGemm(args);
          const results = variants.map((variant) => engine.sgemm(variant, args));
          for (let v = 0; v < variants.length; v++) {
            const got = results[v];
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < ldc; j++) {
                const index = i * ldc + j;
                if (j >= n) {
                  // Outside the n columns: the kernel must not touch the padding.
                  assert.equal(got[index], c[index], `${variants[v]} wrote past column n at ${m}x${n}x${k}`);
                  continue;
                }
                const tolerance = 1e-5 * (k + 1) * 4;
                const error = Math.abs(got[index] - expected[index]);
                assert.ok(error <= tolerance, `${variants[v]} ${transposeA ? 'T' : 'N'}${transposeB ? 'T' : 'N'} ${m}x${n}x${k} alpha ${alpha} beta ${beta}: C[${i}][${j}] = ${got[index]}, expected ${expected[index]}`);
                // The SIMD kernel sums in the reference's order (4x8 tiles, no FMA): it must be
                // very close to the scalar variant, closer than to the float64 reference.
                const scalarError = Math.abs(got[index] - results[0][index]);
                assert.ok(scalarError <= 1e-5 * (Math.abs(results[0][index]) + 1), `${variants[v]} differs from ${variants[0]} at ${m}x${n}x${k} C[${i}][${j}]: ${got[index]} vs ${results[0][index]}`);
              }
            }
            checked++;
          }
        }
      }
    }
  }
  t.diagnostic(`${checked} (variant, shape, transpose, alpha/beta) cases checked`);
});

test('the SIMD kernel of the SIMD build matches the scalar kernel of the scalar build (two modules)', async () => {
  const simd = await loadEngine({ flavour: 'simd' });
  const scalar = await loadEngine({ flavour: 'scalar' });
  for (const [m, n, k] of [[5, 9, 3], [67, 70, 300], [16, 200, 576]]) {
    const next = filler(m + n + k);
    const a = randomMatrix(m * k, next);
    const b = randomMatrix(k * n, next);
    const fromSimd = simd.sgemm('gemm_4x8__wasmsimd', { m, n, k, a, b });
    const fromScalar = scalar.sgemm('gemm_4x8__scalar', { m, n, k, a, b });
    for (let i = 0; i < m * n; i++) {
      assert.ok(Math.abs(fromSimd[i] - fromScalar[i]) <= 1e-5 * (Math.abs(fromScalar[i]) + 1), `${m}x${n}x${k} [${i}]: ${fromSimd[i]} vs ${fromScalar[i]}`);
    }
  }
});

test('beta = 0 overwrites NaN in C (BLAS convention) for every variant', async () => {
  const engine = await loadEngine({ flavour: 'simd' });
  const m = 6, n = 10, k = 4;
  const next = filler(7);
  const a = randomMatrix(m * k, next);
  const b = randomMatrix(k * n, next);
  const c = new Float32Array(m * n).fill(NaN);
  for (const variant of engine.gemmVariants()) {
    const got = engine.sgemm(variant, { m, n, k, a, b, c, beta: 0 });
    assert.ok(got.every(Number.isFinite), `${variant} kept a NaN`);
  }
});

test('an unknown GEMM variant is refused with a coded error', async () => {
  const engine = await loadEngine({ flavour: 'scalar' });
  const a = new Float32Array(4), b = new Float32Array(4);
  assert.throws(() => engine.sgemm('gemm_4x8__wasmsimd', { m: 2, n: 2, k: 2, a, b }), (error) => error.code === 'INVALID_ARGUMENT');
  assert.throws(() => engine.sgemm('no_such_kernel', { m: 2, n: 2, k: 2, a, b }), (error) => error.code === 'INVALID_ARGUMENT');
});

// gemmBenchmark is the bench's entry (web/cli.mjs bench-gemm): how fast is for the benchmarks to
// say; here only that it refuses what it cannot time, with a code.
test('gemmBenchmark refuses a variant its engine does not have', async () => {
  const scalar = await loadEngine({ flavour: 'scalar' });
  for (const variant of ['gemm_4x8__wasmsimd', 'no_such_kernel']) {
    assert.throws(() => scalar.gemmBenchmark(variant, 8, 8, 8, 0.001), (error) => error.code === 'INVALID_ARGUMENT' && error.message.includes(variant));
  }
});

test('image decoding goes through the engine (BMP)', async () => {
  const engine = await loadEngine({ flavour: 'simd' });
  // A 2x2 24-bit BMP: bottom-up rows of BGR, each padded to 4 bytes.
  const header = Buffer.alloc(54);
  const rowBytes = 8;
  header.write('BM', 0);
  header.writeUInt32LE(54 + rowBytes * 2, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(rowBytes * 2, 34);
  const rows = Buffer.from([
    0, 0, 255, 0, 255, 0, 0, 0, // bottom row: red, green
    255, 0, 0, 255, 255, 255, 0, 0, // top row: blue, white
  ]);
  const image = engine.decodeImage(Buffer.concat([header, rows]), 3);
  assert.deepEqual([image.width, image.height, image.channels], [2, 2, 3]);
  assert.deepEqual(Array.from(image.data), [0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0]);
  assert.throws(() => engine.decodeImage(new Uint8Array([1, 2, 3, 4]), 3), (error) => error.code === 'DECODE');
});

// The browser path (fetch + instantiateStreaming, byte fallback) exercised from Node over HTTP.
test('the engine loads over HTTP as in a browser, even with a wrong MIME type', async (t) => {
  const wasm = readFileSync(`${webDirectory}icarl-engine-scalar.wasm`);
  const server = http.createServer((request, response) => {
    if (request.url === '/right.wasm') response.writeHead(200, { 'content-type': 'application/wasm' }).end(wasm);
    else if (request.url === '/wrong.wasm') response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wasm);
    else response.writeHead(404).end('not here');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  for (const name of ['right', 'wrong']) {
    const engine = await loadEngine({ flavour: 'scalar', wasmUrl: `${base}/${name}.wasm` });
    assert.deepEqual(engine.gemmVariants(), ['gemm_4x8__scalar']);
  }
  await assert.rejects(loadEngine({ flavour: 'scalar', wasmUrl: `${base}/missing.wasm` }), (error) => {
    assert.equal(error.code, 'ENGINE_UNAVAILABLE');
    assert.match(error.message, /404/);
    return true;
  });
});
