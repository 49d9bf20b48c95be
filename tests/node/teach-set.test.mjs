// teach-set.test.mjs - the webcam evaluation set's generator (bench/teach-set.mjs): a tiny set
// made from synthetic cut-outs (the real photos come from a 160 MB Debian package that tests do
// not fetch) has the layout `icarl learn/eval --data` read, is the same bytes for the same seed,
// does not depend on how many frames are asked for, and looks like video where it should: teach
// frames change little from one to the next, test views a lot. Also the PNG reading and writing
// it relies on, checked against the engine's own decoder.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';

import { decodePng, encodePng } from '../../bench/teach-png.mjs';
import { generateSet } from '../../bench/teach-set.mjs';
import { loadEngine } from '../../web/icarl.js';

/** An RGBA cut-out: a shape on transparency, with some texture so views differ visibly. */
function cutout(width, height, inside, colour) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x / width, y / height)) continue;
      const stripe = (x >> 3) % 2 ? 40 : 0;
      data.set([Math.min(255, colour[0] + stripe), colour[1], Math.max(0, colour[2] - stripe), 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

const OBJECTS = [
  { name: 'disc', role: 'taught', cm: 8 },
  { name: 'block', role: 'taught', cm: 12 },
  { name: 'wedge', role: 'never-taught', cm: 10 },
];
const PHOTOS = {
  disc: cutout(80, 80, (x, y) => (x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.2, [200, 40, 30]),
  block: cutout(120, 60, () => true, [30, 60, 200]),
  wedge: cutout(70, 90, (x, y) => x < y, [40, 170, 60]),
};

function makeSet(options) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'teach-set-test-'));
  const manifest = generateSet(out, 'tune', { objects: OBJECTS, photos: PHOTOS, log: () => {}, ...options });
  return { out, dir: path.join(out, 'tune'), manifest };
}

function listing(dir) {
  const files = {};
  for (const split of readdirSync(dir).filter((f) => f !== 'manifest.json')) {
    for (const name of readdirSync(path.join(dir, split))) {
      for (const file of readdirSync(path.join(dir, split, name))) {
        files[`${split}/${name}/${file}`] = readFileSync(path.join(dir, split, name, file));
      }
    }
  }
  return files;
}

const meanAbsoluteDifference = (a, b) => a.data.reduce((sum, v, i) => sum + Math.abs(v - b.data[i]), 0) / a.data.length;

test('a tiny set has one folder per class, teach frames only for taught objects, and a manifest', () => {
  const { out, dir, manifest } = makeSet({ teachFrames: 3, testViews: 2 });
  try {
    assert.deepEqual(Object.keys(listing(dir)).sort(), [
      'teach/block/frame-0.png', 'teach/block/frame-1.png', 'teach/block/frame-2.png',
      'teach/disc/frame-0.png', 'teach/disc/frame-1.png', 'teach/disc/frame-2.png',
      'test/block/view-0.png', 'test/block/view-1.png', 'test/disc/view-0.png', 'test/disc/view-1.png',
      'test/wedge/view-0.png', 'test/wedge/view-1.png',
    ]);
    assert.deepEqual(manifest.taught, ['disc', 'block']);
    assert.deepEqual(manifest.neverTaught, ['wedge']);
    assert.equal(manifest.files, 12);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')), manifest);
    assert.equal(manifest.testViewConditions.wedge.length, 2);
    for (const c of Object.values(manifest.testViewConditions).flat()) assert.ok(['home', 'other'].includes(c.room));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the same seed gives the same bytes; another seed other pictures; more frames keep the first ones', () => {
  const first = makeSet({ teachFrames: 2, testViews: 2 });
  const again = makeSet({ teachFrames: 2, testViews: 2 });
  const other = makeSet({ teachFrames: 2, testViews: 2, seed: 2 });
  const longer = makeSet({ teachFrames: 3, testViews: 3 });
  try {
    const [a, b, c, d] = [first, again, other, longer].map((s) => listing(s.dir));
    assert.deepEqual(Object.keys(a), Object.keys(b));
    for (const file of Object.keys(a)) {
      assert.ok(a[file].equals(b[file]), `${file} differs between two runs with seed 1`);
      assert.ok(!a[file].equals(c[file]), `${file} is the same with seed 2`);
      assert.ok(a[file].equals(d[file]), `${file} changed when more frames and views were asked for`);
    }
  } finally {
    for (const s of [first, again, other, longer]) rmSync(s.out, { recursive: true, force: true });
  }
});

test('teach frames move a little from one to the next; test views differ far more', () => {
  const { out, dir } = makeSet({ teachFrames: 4, testViews: 4 });
  try {
    const read = (split, name, prefix, i) => decodePng(readFileSync(path.join(dir, split, name, `${prefix}-${i}.png`)));
    for (const name of ['disc', 'block']) {
      const frames = [0, 1, 2, 3].map((i) => read('teach', name, 'frame', i));
      const views = [0, 1, 2, 3].map((i) => read('test', name, 'view', i));
      const stepInVideo = Math.max(...[0, 1, 2].map((i) => meanAbsoluteDifference(frames[i], frames[i + 1])));
      const betweenViews = Math.min(...[0, 1, 2].map((i) => meanAbsoluteDifference(views[i], views[i + 1])));
      assert.ok(stepInVideo > 0.5, `${name}: consecutive teach frames are identical`);
      assert.ok(betweenViews > 2 * stepInVideo, `${name}: test views (${betweenViews.toFixed(1)}) barely differ more than video frames (${stepInVideo.toFixed(1)})`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('frames are PNGs the engine decodes to the pixels that were written', async () => {
  const engine = await loadEngine();
  const width = 13, height = 7;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + (i >> 5) * 11) & 0xff);
  const decoded = engine.decodeImage(encodePng({ width, height, data: rgb }), 3);
  assert.equal(decoded.width, width);
  assert.equal(decoded.height, height);
  assert.deepEqual(Array.from(decoded.data), Array.from(rgb));
});

/** A minimal PNG of the given colour type (filter 0 on every row), for the decoder's cases. */
function rawPng(width, height, colour, pixels, extra = []) {
  const chunk = (type, body) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colour, 0, 0, 0], 8);
  const stride = pixels.length / height;
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), Buffer.from(pixels.slice(y * stride, (y + 1) * stride)));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
                        ...extra.map(([type, body]) => chunk(type, Buffer.from(body))),
                        chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

test('the cut-outs decode to RGBA from grey, grey+alpha, RGB, RGBA and palette PNGs', () => {
  const cases = [
    [0, [10, 200], [[10, 10, 10, 255], [200, 200, 200, 255]]],
    [4, [10, 0, 200, 128], [[10, 10, 10, 0], [200, 200, 200, 128]]],
    [2, [1, 2, 3, 4, 5, 6], [[1, 2, 3, 255], [4, 5, 6, 255]]],
    [6, [1, 2, 3, 4, 5, 6, 7, 8], [[1, 2, 3, 4], [5, 6, 7, 8]]],
    [3, [1, 0], [[40, 50, 60, 255], [10, 20, 30, 0]], [['PLTE', [10, 20, 30, 40, 50, 60]], ['tRNS', [0]]]],
  ];
  for (const [colour, pixels, expected, extra] of cases) {
    const image = decodePng(rawPng(2, 1, colour, pixels, extra));
    assert.deepEqual([image.width, image.height], [2, 1]);
    assert.deepEqual(Array.from(image.data), expected.flat(), `colour type ${colour}`);
  }
  // the writer's adaptive row filters survive the reader's unfiltering
  const rgb = Uint8Array.from({ length: 9 * 5 * 3 }, (_, i) => (i * i) & 0xff);
  const back = decodePng(encodePng({ width: 9, height: 5, data: rgb }));
  assert.deepEqual(Array.from(back.data).filter((_, i) => i % 4 !== 3), Array.from(rgb));
});
