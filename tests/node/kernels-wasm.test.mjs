// kernels-wasm.test.mjs - the C kernel tests (tests/c/test_gemm.c, test_conv2d.c)
// compiled to WebAssembly with the SIMD flavour by the Emscripten build (build/wasm/*_wasm.cjs):
// every GEMM variant of that build, including the simd128 microkernels and the padded
// convolution's shifted products, against the double-precision and direct-convolution
// references and numerical gradients, exactly as the native ctest does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { missingFile, needing } from './prerequisites.mjs';

const buildDirectory = fileURLToPath(new URL('../../build/wasm/', import.meta.url));

for (const name of ['test_gemm', 'test_conv2d']) {
  const file = `${buildDirectory}${name}_wasm.cjs`;
  const { test } = needing(missingFile(file, 'run build-scripts/build.sh, which needs Emscripten: Debian package emscripten'));
  test(`${name} compiled to WebAssembly SIMD passes`, (t) => {
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 300000 });
    t.diagnostic(run.stdout.trim().split('\n').filter((line) => /wasmsimd|checks/.test(line)).join('; '));
    assert.equal(run.status, 0, `${name}: exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /gemm_4x8__wasmsimd/, 'the SIMD variant was tested');
  });
}
