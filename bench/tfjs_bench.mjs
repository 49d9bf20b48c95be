// tfjs_bench.mjs - TensorFlow.js's WebAssembly backend (XNNPACK) on the same work as
// bench/train_bench.c, for build-scripts/bench.sh: square matMul GFLOP/s at 256/512/1024 and
// conv2d forward on the ResNet-32 28x28x1 shapes at batch 128 and the page's default network's
// (32x32x3) at batch 32, single-threaded (SIMD build).
// Needs `npm install` in bench/ (bench-only dependencies); prints 'tfjs not installed' without.
// Usage: node bench/tfjs_bench.mjs [seconds]
let tf;
try {
  tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
} catch {
  console.log('tfjs not installed');
  process.exit(0);
}
const seconds = Number(process.argv[2] || 3);
// one thread, as the engine's single-thread builds: the comparison the speed issue asks for
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
await tf.setBackend('wasm');
await tf.ready();

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeIt(fn, budget) {
  fn(); // warm up
  const times = [];
  const started = performance.now();
  while (times.length < 5 || (performance.now() - started < budget * 1000 && times.length < 50)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

console.log(`tfjs ${tf.version_core} backend ${tf.getBackend()}, 1 thread`);
for (const n of [256, 512, 1024]) {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const t = timeIt(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, seconds / 3);
  const gflops = (2 * n * n * n) / t / 1e9;
  console.log(`gemm ${String(n).padStart(4)}: ${gflops.toFixed(1)} GFLOP/s`);
  console.log(`result gemm${n} ${gflops.toFixed(1)}`);
  a.dispose();
  b.dispose();
}

// [batch, in channels, size, out channels, kernel, stride]: ResNet-32 on 28x28x1 at batch 128,
// then the page's default network (32x32x3, batch 32); the lists of bench/train_bench.c
const shapes = [
  [128, 1, 28, 16, 3, 1], [128, 16, 28, 16, 3, 1], [128, 16, 28, 32, 3, 2], [128, 32, 14, 32, 3, 1],
  [128, 16, 28, 32, 1, 2], [128, 32, 14, 64, 3, 2], [128, 64, 7, 64, 3, 1], [128, 32, 14, 64, 1, 2],
  [32, 3, 32, 16, 3, 1], [32, 16, 32, 16, 3, 1], [32, 16, 32, 32, 3, 2], [32, 32, 16, 32, 3, 1],
  [32, 16, 32, 32, 1, 2], [32, 32, 16, 64, 3, 2], [32, 64, 8, 64, 3, 1], [32, 32, 16, 64, 1, 2],
];
let batchShown = null;
for (const [batch, cin, size, cout, k, stride] of shapes) {
  if (batch !== batchShown) {
    console.log(`${batch === 128 ? 'conv' : 'webcam conv'} forward (batch ${batch}, NHWC)`.padEnd(26) + 'ms'.padStart(10));
    batchShown = batch;
  }
  const x = tf.randomNormal([batch, size, size, cin]);
  const w = tf.randomNormal([k, k, cin, cout]);
  const t = timeIt(() => {
    const y = tf.conv2d(x, w, stride, 'same');
    y.dataSync();
    y.dispose();
  }, seconds / 8);
  console.log(`${size}x${size}x${cin} -> ${cout} k${k} s${stride}`.padEnd(26) + (t * 1e3).toFixed(3).padStart(10));
  x.dispose();
  w.dispose();
}
