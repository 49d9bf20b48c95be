#!/usr/bin/env node
// make-fashion-subset.mjs - writes the Fashion-MNIST subset the page's Experiment mode runs on:
// the first N training and M test images of each class in file order (deterministic), from
// Debian's dataset-fashion-mnist IDX files, as one small gzip file served statically.
//
//   node build-scripts/make-fashion-subset.mjs [--train 200] [--test 100]
//        [--source /usr/share/datasets/fashion-mnist] [--out web/data/fashion-subset.bin]
//
// File (gzip of): "FMSUBSET", u32 LE header length H, H bytes of UTF-8 JSON
// {version: 1, side: 28, classes: [10 names], train: N, test: M}, then the training images
// class by class (N per class, side*side grey bytes each, row-major), then the test images the
// same way. Labels are implicit in the order. The name ends in .bin, not .gz, so that no static
// host adds Content-Encoding: gzip on its own; the page checks the gzip magic and decompresses.
// The file is rewritten only when its bytes change, so repeated builds leave it alone.
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** Reads a gzip IDX file; returns {dims, data} (data: the bytes after the header). */
function readIdx(path, expectedType) {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic >>> 8 !== 0x08 || (magic & 0xff) !== expectedType) throw new Error(`${path}: not an IDX file of ${expectedType} dimensions`);
  const dims = [];
  for (let i = 0; i < expectedType; i++) dims.push(view.getUint32(4 + 4 * i));
  const start = 4 + 4 * expectedType;
  const needed = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - start < needed) throw new Error(`${path}: truncated`);
  return { dims, data: bytes.subarray(start, start + needed) };
}

/** The first `perClass` images of each class, in file order, class by class. */
function pick(images, labels, perClass, side) {
  const size = side * side;
  const out = Buffer.alloc(CLASSES.length * perClass * size);
  const taken = new Array(CLASSES.length).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c >= CLASSES.length || taken[c] >= perClass) continue;
    out.set(images.subarray(i * size, (i + 1) * size), (c * perClass + taken[c]) * size);
    taken[c]++;
  }
  const short = taken.findIndex((n) => n < perClass);
  if (short >= 0) throw new Error(`class ${short} has only ${taken[short]} images, ${perClass} asked`);
  return out;
}

export function makeSubset({ source, train, test }) {
  const parts = [];
  let side = 0;
  for (const [prefix, count] of [['train', train], ['t10k', test]]) {
    const images = readIdx(join(source, `${prefix}-images-idx3-ubyte.gz`), 3);
    const labels = readIdx(join(source, `${prefix}-labels-idx1-ubyte.gz`), 1);
    if (images.dims[0] !== labels.dims[0]) throw new Error(`${prefix}: ${images.dims[0]} images but ${labels.dims[0]} labels`);
    if (images.dims[1] !== images.dims[2]) throw new Error(`${prefix}: images are not square`);
    side = images.dims[1];
    parts.push(pick(images.data, labels.data, count, side));
  }
  const header = Buffer.from(JSON.stringify({ version: 1, side, classes: CLASSES, train, test }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  // Level 9 and Node's fixed gzip header (no name, mtime 0): the same input gives the same bytes.
  return gzipSync(Buffer.concat([Buffer.from('FMSUBSET', 'ascii'), length, header, ...parts]), { level: 9 });
}

const args = process.argv.slice(2);
const train = Number(option(args, '--train', 200));
const test = Number(option(args, '--test', 100));
const source = option(args, '--source', '/usr/share/datasets/fashion-mnist');
const out = resolve(option(args, '--out', join(root, 'web/data/fashion-subset.bin')));
if (!Number.isInteger(train) || train < 1 || !Number.isInteger(test) || test < 1) {
  console.error('make-fashion-subset: --train and --test must be whole numbers >= 1');
  process.exit(2);
}
try {
  const bytes = makeSubset({ source, train, test });
  if (existsSync(out) && readFileSync(out).equals(bytes)) {
    console.log(`make-fashion-subset: ${out} is up to date`);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes);
    console.log(`make-fashion-subset: wrote ${out} (${train}+${test} images per class, ${bytes.length} bytes)`);
  }
} catch (error) {
  console.error(`make-fashion-subset: ${error.message}`);
  process.exit(1);
}
