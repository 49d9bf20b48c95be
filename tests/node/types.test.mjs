// types.test.mjs - web/icarl.d.ts compiles under `tsc --strict` and describes the docs/design.md 5.3
// usage, and that it is precise enough to refuse misuse (wrong option types, a label used as a
// number, an unknown error code): declarations typed `any` would accept everything. Needs
// TypeScript (Debian's node-typescript; see prerequisites.mjs for what happens without it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { missingCommand, needing } from './prerequisites.mjs';

const { test } = needing(missingCommand('tsc', ['--version'], 'Debian package node-typescript; build-scripts/setup.sh installs it'));

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
  const decoded: Uint8Array = engine.decodeImage(new Uint8Array(4), 3).data;
  console.log(loss, label, best, classes, kept, decoded);
}
`;

// Each line is wrong in one way the declarations must catch; tsc reports it on that line.
const MISUSES = [
  "createLearner({ inputSize: '32' });",
  "createLearner({ memory: 2000 }).then((learner) => { const n: number = learner.classify({ width: 1, height: 1, data: new Uint8Array(4) }).label; });",
  "createLearner({}).then((learner) => learner.addExamples(7, []));",
  "createLearner({}).then((learner) => learner.train({ epochs: 'three' }));",
  "loadLearner('not bytes');",
  "createLearner({}).then((learner) => { const kept: string = learner.memory.used; });",
];

/** Runs tsc --strict on usage.ts beside a copy of icarl.d.ts; returns {status, output}. */
function typeCheck(usage) {
  const work = mkdtempSync(path.join(tmpdir(), 'icarl-types-'));
  try {
    copyFileSync(fileURLToPath(new URL('../../web/icarl.d.ts', import.meta.url)), path.join(work, 'icarl.d.ts'));
    writeFileSync(path.join(work, 'usage.ts'), usage);
    const result = spawnSync('tsc', ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'node', '--lib', 'es2022,dom', 'usage.ts', 'icarl.d.ts'], { cwd: work, encoding: 'utf8' });
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('icarl.d.ts type-checks the documented usage under tsc --strict', () => {
  const { status, output } = typeCheck(USAGE);
  assert.equal(status, 0, output);
});

test('icarl.d.ts refuses misuse, each mistake on its own line', () => {
  const header = "import { createLearner, loadLearner } from './icarl';\n";
  const { status, output } = typeCheck(header + MISUSES.join('\n') + '\n');
  assert.notEqual(status, 0, 'tsc accepted every misuse');
  const lines = new Set([...output.matchAll(/usage\.ts\((\d+),\d+\): error/g)].map((match) => Number(match[1])));
  MISUSES.forEach((misuse, i) => assert.ok(lines.has(i + 2), `tsc did not refuse line ${i + 2}: ${misuse}\n${output}`));
});
