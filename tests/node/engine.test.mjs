// engine.test.mjs - the WebAssembly engine itself: every flavour loads in Node (and over HTTP as
// in a browser), the SIMD build really contains v128 code and the scalar one none, the module
// exports the learner API and nothing else, and images decode through the engine. The GEMM
// kernels are tested by tests/c/test_gemm.c compiled to wasm (kernels-wasm.test.mjs) and
// measured by `node web/cli.mjs bench-gemm` (build-scripts/bench.sh gemm), not through the
// page's module.
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

const exportList = readFileSync(new URL('../../src/wasm/exports.txt', import.meta.url), 'utf8')
  .split('\n').filter((line) => /^[a-z]/.test(line)).map((line) => line.slice(0, line.indexOf('(')));

test('the page\'s module exports the learner API only: no kernel test or benchmark hooks', () => {
  assert.deepEqual(exportList.filter((name) => /gemm|shuffle|bench/.test(name)), []);
});

for (const flavour of ['simd-threads', 'simd', 'scalar']) {
  test(`the ${flavour} engine loads and exports exactly src/wasm/exports.txt`, async () => {
    const engine = await loadEngine({ flavour });
    assert.equal(engine.flavour, flavour);
    // (icarl_wasm_free and free share the key 'free': both release what the engine allocated.)
    assert.deepEqual(Object.keys(engine.c), [...new Set(exportList.map((name) => name.replace(/^icarl_wasm_/, '')))]);
    const exported = Object.keys(engine.module).filter((key) => /^_(icarl_|malloc$|free$)/.test(key)).map((key) => key.slice(1));
    assert.deepEqual(exported.sort(), [...exportList].sort(), 'no test or benchmark exports in the page\'s module');
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
    assert.equal(engine.c.default_threads(), 1, 'the scalar build has no threads');
  }
  await assert.rejects(loadEngine({ flavour: 'scalar', wasmUrl: `${base}/missing.wasm` }), (error) => {
    assert.equal(error.code, 'ENGINE_UNAVAILABLE');
    assert.match(error.message, /404/);
    return true;
  });
});
