// snippets.test.mjs - the code the page's export dialog (web/index.html) and the README show for
// using an exported model elsewhere: both show the same two snippets, and the Node one runs as
// written, in a project that has the npm package `icarl-wasm` (web/, linked into node_modules),
// on a model file and a PNG photo, and prints the right class. (The page snippet runs in
// tests/browser/examples.test.mjs, inside web/examples/webcam-classifier/.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';

import { createLearner } from '../../web/icarl.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SIDE = 16;

/** The text of `<code data-snippet="kind">` in the page, entities decoded. */
function dialogSnippet(kind) {
  const html = readFileSync(join(root, 'web/index.html'), 'utf8');
  const match = html.match(new RegExp(`<code data-snippet="${kind}">([\\s\\S]*?)</code>`));
  assert.ok(match, `index.html shows a ${kind} snippet`);
  return match[1].replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

/** The README's ```js blocks. */
function readmeBlocks() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1].trimEnd());
}

/** A PNG (8-bit RGB, no filter) of SIDE x SIDE pixels of colour(x, y) = [r, g, b]. */
function png(colour) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIDE, 0);
  header.writeUInt32BE(SIDE, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const rows = Buffer.alloc(SIDE * (1 + 3 * SIDE));
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) rows.set(colour(x, y), y * (1 + 3 * SIDE) + 1 + 3 * x);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

// Two colours with a little texture, as RGBA images for addExamples.
const RED = (x, y, i) => [200 + ((x * 7 + y * 3 + i) % 40), 30 + ((x + i) % 20), 30];
const BLUE = (x, y, i) => [30, 40 + ((y + i) % 20), 190 + ((x * 5 + y + i) % 50)];
function image(colour, i) {
  const data = new Uint8Array(SIDE * SIDE * 4);
  for (let p = 0; p < SIDE * SIDE; p++) data.set([...colour(p % SIDE, Math.floor(p / SIDE), i), 255], 4 * p);
  return { width: SIDE, height: SIDE, data };
}

test('the export dialog and the README show the same snippets', () => {
  const blocks = readmeBlocks();
  for (const kind of ['page', 'node']) {
    const snippet = dialogSnippet(kind);
    assert.ok(snippet.includes("from 'icarl-wasm'"), `the ${kind} snippet imports the package`);
    assert.ok(blocks.includes(snippet), `the README has the dialog's ${kind} snippet word for word`);
  }
});

test('the Node snippet runs as written on an exported model and a photo', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'icarl-snippet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A project that installed the package: node_modules/icarl-wasm is web/.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(root, 'web'), join(dir, 'node_modules', 'icarl-wasm'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  // The exported model: two classes, red and blue, learned as the page would (its preset, RGB).
  const learner = await createLearner({ preset: 'webcam', inputSize: 16, blocksPerStage: 1, baseWidth: 8, epochs: 6, seed: 3 });
  learner.addExamples('red', Array.from({ length: 12 }, (_, i) => image(RED, i)));
  learner.addExamples('blue', Array.from({ length: 12 }, (_, i) => image(BLUE, i)));
  await learner.train();
  writeFileSync(join(dir, 'icarl-model.icarl'), learner.save());
  learner.dispose();

  writeFileSync(join(dir, 'use-model.mjs'), dialogSnippet('node'));
  for (const [name, colour] of [['red', RED], ['blue', BLUE]]) {
    writeFileSync(join(dir, 'photo.png'), png((x, y) => colour(x, y, 5)));
    const { stdout } = await promisify(execFile)(process.execPath, ['use-model.mjs'], { cwd: dir, timeout: 60_000 });
    assert.equal(stdout.trim(), name, `a ${name} photo is classified as ${name}`);
  }
});
