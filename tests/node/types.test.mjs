// types.test.mjs - web/icarl.d.ts compiles under `tsc --strict` and describes the DESIGN.md 4.2
// usage. Skipped with a message when TypeScript (Debian's node-typescript) is not installed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

function haveTsc() {
  try {
    execFileSync('tsc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const USAGE = `
import { autoFlavour, createLearner, loadLearner, loadEngine, IcarlError, type EngineFlavour, type TrainProgress } from './icarl';
export async function example(images: ImageData[]): Promise<void> {
  const learner = await createLearner({ inputSize: 32, channels: 3, memory: 2000, seed: 1 });
  learner.addExamples('mug', images);
  learner.addExamples('cup', [{ width: 2, height: 2, data: new Uint8Array(12), channels: 3 }]);
  const controller = new AbortController();
  const result = await learner.train({ epochs: 3, onProgress: (p: TrainProgress) => void p.fraction, signal: controller.signal });
  const loss: number = result.loss;
  const { label, scores } = learner.classify(images[0]);
  const best: number = scores[0].score;
  const classes: string[] = learner.classes;
  const kept: number = learner.memory.perClass['mug'];
  const bytes: Uint8Array = learner.save();
  const again = await loadLearner(bytes, { engine: 'scalar' });
  again.reconfigure({ memory: 100, decayAt: [0.5, 0.8], method: 'icarl' });
  learner.dispose();
  try {
    again.classify(images[0]);
  } catch (error) {
    if (error instanceof IcarlError && error.code === 'NO_CLASSES') console.log(error.message, error.detail);
  }
  const single: EngineFlavour = autoFlavour({ threads: false });
  const engine = await loadEngine({ flavour: single });
  const c: Float32Array = engine.sgemm('gemm_4x8__wasmsimd', { m: 1, n: 1, k: 1, a: new Float32Array(1), b: new Float32Array(1) });
  console.log(loss, label, best, classes, kept, c);
}
`;

test('icarl.d.ts type-checks the documented usage under tsc --strict', { skip: haveTsc() ? false : 'tsc (TypeScript) is not installed' }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'icarl-types-'));
  try {
    copyFileSync(fileURLToPath(new URL('../../web/icarl.d.ts', import.meta.url)), path.join(work, 'icarl.d.ts'));
    writeFileSync(path.join(work, 'usage.ts'), USAGE);
    const result = spawnSync('tsc', ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'node', '--lib', 'es2022,dom', 'usage.ts', 'icarl.d.ts'], { cwd: work, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
