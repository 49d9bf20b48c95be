// hostile.test.mjs - the JavaScript API (docs/design.md 5.3) given what a careless or hostile caller
// would give it: NaN and infinity in options, wrong image sizes and data, bad class labels,
// calls out of order, a disposed learner, and garbage or doctored bytes to loadLearner. Every
// case must throw an Error (an IcarlError) with a clear message and a `code`, and leave the
// learner as it was; none may crash the engine or answer silently wrong. Runs on the engine
// flavour this machine picks (the C checks behind it are the same in both).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { createLearner, IcarlError, loadEngine, loadLearner } from '../../web/icarl.js';

const SIZE = 8;
const TINY = { inputSize: SIZE, channels: 1, blocksPerStage: 1, baseWidth: 2, epochs: 1, batchSize: 4, memory: 6, seed: 3, cropPadding: 1, brightness: 0 };

function image(kind, size = SIZE) {
  const data = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const value = kind === 0 ? ((i % size) < size / 2 ? 220 : 30) : (Math.floor(i / size) < size / 2 ? 220 : 30);
    data.set([value, value, value, 255], 4 * i);
  }
  return { width: size, height: size, data };
}

function expectCode(code, pattern) {
  return (error) => {
    assert.ok(error instanceof Error, `an Error, not ${error}`);
    assert.ok(error instanceof IcarlError, `an IcarlError, not ${error?.name}`);
    assert.equal(error.code, code, `code ${error.code} (${error.message})`);
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.length > 10, `a clear message, not '${error.message}'`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

async function trained() {
  const learner = await createLearner(TINY);
  learner.addExamples('left', [image(0), image(0), image(0)]);
  learner.addExamples('top', [image(1), image(1), image(1)]);
  await learner.train();
  return learner;
}

// CRC-32 (IEEE), to doctor checkpoint sections the way a hostile file would.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// The checkpoint's sections (docs/design.md 5.5): magic, u32 version, then tag, u64 length, payload,
// u32 CRC. Returns [{tag, payload}] and rebuilds bytes from such a list.
function sections(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const list = [];
  for (let at = 12; at < bytes.length;) {
    const tag = String.fromCharCode(...bytes.subarray(at, at + 4));
    const length = Number(view.getBigUint64(at + 4, true));
    list.push({ tag, payload: bytes.slice(at + 12, at + 12 + length) });
    at += 16 + length;
  }
  return list;
}
function assemble(header, list) {
  const size = 12 + list.reduce((sum, s) => sum + 16 + s.payload.length, 0);
  const out = new Uint8Array(size);
  out.set(header.subarray(0, 12));
  const view = new DataView(out.buffer);
  let at = 12;
  for (const { tag, payload } of list) {
    for (let i = 0; i < 4; i++) out[at + i] = tag.charCodeAt(i);
    view.setBigUint64(at + 4, BigInt(payload.length), true);
    out.set(payload, at + 12);
    view.setUint32(at + 12 + payload.length, crc32(payload), true);
    at += 16 + payload.length;
  }
  return out;
}

describe('hostile input to the JavaScript API', () => {
  let engine;
  before(async () => {
    engine = await loadEngine();
  });

  test('NaN, infinity and nonsense in createLearner options', async () => {
    const bad = [
      { learningRate: NaN }, { learningRate: Infinity }, { learningRate: -1 }, { temperature: NaN },
      { temperature: -Infinity }, { momentum: NaN }, { momentum: 1 }, { weightDecay: Infinity },
      { decayFactor: NaN }, { brightness: NaN }, { decayAt: [NaN, 0.9] }, { decayAt: [0.5, Infinity] },
      { decayAt: 0.5 }, { decayAt: [0.5] }, { inputSize: 0 }, { inputSize: -8 }, { inputSize: 2.5 },
      { inputSize: NaN }, { inputSize: 1e9 }, { inputSize: '8' }, { channels: 2 }, { channels: 4 },
      { blocksPerStage: 0 }, { baseWidth: Infinity }, { memory: -1 }, { memory: 2 ** 40 },
      { epochs: 0 }, { epochs: NaN }, { batchSize: 1 }, { cropPadding: 100 },
      { method: 'magic' }, { loss: 'hinge' }, { seed: -1 }, { seed: 2 ** 70 },
      { preset: 'imagenet' }, { colour: 'blue' }, { engine: 'gpu' },
    ];
    for (const options of bad) {
      await assert.rejects(createLearner({ ...TINY, ...options }), expectCode('INVALID_ARGUMENT'), JSON.stringify(options, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
    }
  });

  test('a seed that is not a whole number is refused with a code', async () => {
    for (const seed of [NaN, 1.5, Infinity, 'one']) {
      await assert.rejects(createLearner({ ...TINY, seed }), expectCode('INVALID_ARGUMENT'), `seed ${seed}`);
    }
  });

  test('networks beyond the engine limits are refused up front with LIMIT', async () => {
    await assert.rejects(createLearner({ ...TINY, inputSize: 4, cropPadding: 0, batchSize: 2, baseWidth: 256, blocksPerStage: 32 }), expectCode('LIMIT', /parameters/));
    await assert.rejects(createLearner({ ...TINY, inputSize: 256, baseWidth: 256, batchSize: 1024 }), expectCode('LIMIT', /MB/));
  });

  test('wrong image sizes and data in addExamples; a bad image adds nothing', async () => {
    const learner = await createLearner(TINY);
    const good = image(0);
    const bad = [
      null, 42, 'image', {}, { width: 0, height: 8, data: new Uint8Array(0) },
      { width: 8, height: -8, data: new Uint8Array(256) }, { width: NaN, height: 8, data: new Uint8Array(256) },
      { width: 8, height: Infinity, data: new Uint8Array(256) }, { width: 2.5, height: 8, data: new Uint8Array(80) },
      { width: 8, height: 8, data: new Uint8Array(255) }, { width: 8, height: 8, data: new Uint8Array(7) },
      { width: 8, height: 8, data: 'pixels' }, { width: 8, height: 8, data: null },
      { width: 8, height: 8, data: new Uint8Array(256), channels: 2 },
      { width: 8, height: 8, data: new Uint8Array(10), channels: 4 },
      { width: 1e6, height: 1e6, data: new Uint8Array(256) },
      { width: 2 ** 31, height: 1, data: new Uint8Array(256) },
    ];
    for (const [i, candidate] of bad.entries()) {
      assert.throws(() => learner.addExamples('cat', candidate), expectCode('INVALID_ARGUMENT'), `bad image ${i}`);
      assert.throws(() => learner.addExamples('cat', [good, candidate]), expectCode('INVALID_ARGUMENT'), `bad image ${i} after a good one`);
    }
    // An image wider than the engine's limit, with all its bytes: LIMIT from the C side.
    const wide = { width: 20000, height: 1, data: new Uint8Array(20000) };
    assert.throws(() => learner.addExamples('cat', [good, wide]), expectCode('LIMIT', /image 2 of 2/));
    assert.throws(() => learner.addExamples('cat', []), expectCode('INVALID_ARGUMENT'));
    assert.throws(() => learner.addExamples('cat'), expectCode('INVALID_ARGUMENT'));
    assert.deepEqual(learner.classes, [], 'nothing was added by the refused calls');
    learner.addExamples('cat', [good, { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 4]) }]);
    assert.deepEqual(learner.classDetails, [{ name: 'cat', exemplars: 0, pending: 2, trained: false, threshold: -Infinity, typical: 1 }]);
    learner.dispose();
  });

  test('bad class labels', async () => {
    const learner = await createLearner(TINY);
    for (const label of ['', null, undefined, 42, {}, ['a'], 'new\nline', 'tab\tbed', '\u001b[31m', 'x'.repeat(257)]) {
      assert.throws(() => learner.addExamples(label, image(0)), expectCode('INVALID_ARGUMENT'), `label ${JSON.stringify(label)}`);
    }
    learner.addExamples('x'.repeat(256), image(0));
    learner.addExamples('café ☕', image(1));
    assert.deepEqual(learner.classes, ['x'.repeat(256), 'café ☕']);
    learner.dispose();
  });

  test('calls out of order', async () => {
    const learner = await createLearner(TINY);
    assert.throws(() => learner.classify(image(0)), expectCode('NO_CLASSES'));
    assert.throws(() => learner.classifyPrepared(new Uint8Array(SIZE * SIZE), 1), expectCode('NO_CLASSES'));
    await assert.rejects(learner.train(), expectCode('NOTHING_TO_TRAIN'));
    learner.addExamples('left', [image(0), image(0)]);
    assert.throws(() => learner.classify(image(0)), expectCode('NO_CLASSES'), 'pending classes are not trained');
    learner.addExamples('top', [image(1), image(1)]);

    // During a first step: a second train, adding examples and reconfiguring are refused, and
    // classifying finds nothing published yet.
    let during;
    const first = learner.train({
      unitsPerSlice: 1,
      onProgress: () => {
        if (during) return;
        during = [];
        for (const call of [
          () => learner.addExamples('other', image(0)),
          () => learner.classify(image(0)),
          () => learner.reconfigure({ epochs: 2 }),
        ]) {
          try {
            call();
            during.push('no error');
          } catch (error) {
            during.push(error.code);
          }
        }
      },
    });
    await assert.rejects(learner.train(), expectCode('WRONG_STATE'));
    await first;
    assert.deepEqual(during, ['WRONG_STATE', 'NO_CLASSES', 'WRONG_STATE']);
    assert.deepEqual(learner.classes, ['left', 'top']);
    await assert.rejects(learner.train(), expectCode('NOTHING_TO_TRAIN'), 'nothing new since the step');

    // An already aborted signal, and bad train options.
    learner.addExamples('left', image(0));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(learner.train({ signal: controller.signal }), expectCode('ABORTED'));
    await assert.rejects(learner.train({ epochs: NaN }), expectCode('INVALID_ARGUMENT'));
    await assert.rejects(learner.train({ epochs: -1 }), expectCode('INVALID_ARGUMENT'));
    assert.equal(learner.classDetails[0].pending, 1, 'the refused steps changed nothing');
    learner.dispose();
  });

  test('reconfigure refuses NaN, infinity and fixed options, changing nothing', async () => {
    const learner = await createLearner(TINY);
    const config = learner.config;
    for (const options of [{ learningRate: NaN }, { momentum: Infinity }, { epochs: 0 }, { decayAt: [NaN, 1] }, { inputSize: 16 }, { channels: 3 }, { seed: 5 }, { nonsense: 1 }]) {
      assert.throws(() => learner.reconfigure(options), expectCode('INVALID_ARGUMENT'), JSON.stringify(options));
      assert.deepEqual(learner.config, config);
    }
    learner.dispose();
  });

  test('classify and classifyPrepared with wrong sizes', async () => {
    const learner = await trained();
    for (const bad of [null, { width: 8, height: 8, data: new Uint8Array(3) }, { width: -1, height: 8, data: new Uint8Array(0) }]) {
      assert.throws(() => learner.classify(bad), expectCode('INVALID_ARGUMENT'));
    }
    assert.throws(() => learner.classify({ width: 20000, height: 1, data: new Uint8Array(20000) }), expectCode('LIMIT'));
    for (const count of [-1, 1.5, NaN, Infinity, '2']) {
      assert.throws(() => learner.classifyPrepared(new Uint8Array(SIZE * SIZE), count), expectCode('INVALID_ARGUMENT'), `count ${count}`);
    }
    assert.throws(() => learner.classifyPrepared('pixels', 1), expectCode('INVALID_ARGUMENT'));
    const { nme, cnn } = learner.classifyPrepared(new Uint8Array(0), 0);
    assert.equal(nme.length + cnn.length, 0);
    // Any image size is fine for classify: it is cropped and resized, and still looks like what
    // it shows (left half bright, top half bright).
    assert.equal(learner.classify(image(0, 33)).label, 'left');
    assert.equal(learner.classify(image(1, 33)).label, 'top');
    learner.dispose();
  });

  test('classifyPrepared refuses pixels too few for count (would read past them in the heap)', async () => {
    const learner = await trained();
    try {
      assert.throws(() => learner.classifyPrepared(new Uint8Array(SIZE * SIZE), 1000), expectCode('INVALID_ARGUMENT'));
    } finally {
      learner.dispose();
    }
  });

  test('a disposed learner throws DISPOSED from every method', async () => {
    const learner = await trained();
    learner.dispose();
    learner.dispose(); // twice is harmless
    assert.equal(learner.disposed, true);
    const calls = {
      classes: () => learner.classes,
      classDetails: () => learner.classDetails,
      memory: () => learner.memory,
      config: () => learner.config,
      reconfigure: () => learner.reconfigure({ epochs: 2 }),
      addExamples: () => learner.addExamples('left', image(0)),
      classify: () => learner.classify(image(0)),
      classifyPrepared: () => learner.classifyPrepared(new Uint8Array(SIZE * SIZE), 1),
      save: () => learner.save(),
    };
    for (const [name, call] of Object.entries(calls)) assert.throws(call, expectCode('DISPOSED'), name);
    await assert.rejects(learner.train(), expectCode('DISPOSED'));
  });

  test('dispose during training stops the step with DISPOSED', async () => {
    const learner = await createLearner({ ...TINY, epochs: 20 });
    learner.addExamples('left', [image(0), image(0)]);
    learner.addExamples('top', [image(1), image(1)]);
    let disposed = false;
    const training = learner.train({ unitsPerSlice: 1, onProgress: () => { if (!disposed) { disposed = true; queueMicrotask(() => learner.dispose()); } } });
    await assert.rejects(training, expectCode('DISPOSED'));
    assert.equal(learner.disposed, true);
  });

  test('garbage, foreign and doctored bytes to loadLearner', async () => {
    const learner = await trained();
    const good = learner.save();
    learner.dispose();
    let random = 12345;
    const garbage = Uint8Array.from({ length: 4096 }, () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) >>> 24);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    for (const [name, bytes, code] of [
      ['empty', new Uint8Array(0), 'NOT_A_CHECKPOINT'],
      ['random bytes', garbage, 'NOT_A_CHECKPOINT'],
      ['a PNG header', png, 'NOT_A_CHECKPOINT'],
      ['text', new TextEncoder().encode('{"weights": [1, 2, 3]}'), 'NOT_A_CHECKPOINT'],
      ['magic only', good.slice(0, 8), 'TRUNCATED'],
      ['half a checkpoint', good.slice(0, good.length >> 1), 'TRUNCATED'],
      ['last byte missing', good.slice(0, good.length - 1), 'TRUNCATED'],
      ['a newer version', Uint8Array.from([...good.slice(0, 8), 99, 0, 0, 0, ...good.slice(12)]), 'UNSUPPORTED_VERSION'],
      ['a flipped byte', (() => { const b = good.slice(); b[b.length >> 1] ^= 0x40; return b; })(), 'CORRUPT'],
      ['two checkpoints', Uint8Array.from([...good, ...good]), 'CORRUPT'],
    ]) {
      await assert.rejects(loadLearner(bytes), expectCode(code), name);
    }
    for (const notBytes of [null, undefined, 'ICARLCKP', 42, { length: 3 }]) {
      await assert.rejects(loadLearner(notBytes), expectCode('INVALID_ARGUMENT'), String(notBytes));
    }

    // Sections with valid CRCs but hostile content: huge counts, and a configuration of a
    // 50-million-parameter network over the tiny network's weights (refused before allocating).
    const list = sections(good);
    const replaced = (tag, edit) => assemble(good, list.map((s) => (s.tag === tag ? { tag, payload: edit(s.payload.slice()) } : s)));
    const setU32 = (offset, value) => (payload) => { new DataView(payload.buffer).setUint32(offset, value >>> 0, true); return payload; };
    const setF32 = (offset, value) => (payload) => { new DataView(payload.buffer).setFloat32(offset, value, true); return payload; };
    for (const [name, bytes] of [
      ['class count 2^31-1', replaced('CLAS', setU32(0, 0x7fffffff))],
      ['exemplar count 2^31-1', replaced('EXEM', setU32(0, 0x7fffffff))],
      ['parameter count 2^32-1', replaced('WGHT', setU32(0, 0xffffffff))],
      ['NaN learning rate', replaced('CONF', setF32(40, NaN))],
      ['infinite momentum', replaced('CONF', setF32(44, Infinity))],
      ['big network, tiny weights', replaced('CONF', (p) => { setU32(0, 4)(p); setU32(8, 32)(p); setU32(12, 64)(p); setU32(36, 2)(p); return setU32(64, 0)(p); })],
    ]) {
      await assert.rejects(loadLearner(bytes), expectCode('CORRUPT'), name);
    }
    // The doctoring itself is sound: the untouched sections reassemble into a loadable file.
    const again = await loadLearner(assemble(good, list));
    assert.deepEqual(again.classes, ['left', 'top']);
    again.dispose();
  });

  test('refused loads and calls leak no WebAssembly memory', async () => {
    const learner = await trained();
    const good = learner.save();
    const cut = good.slice(0, good.length - 5);
    const round = async () => {
      for (let i = 0; i < 20; i++) {
        await assert.rejects(loadLearner(cut));
        assert.throws(() => learner.addExamples('left', [image(0), { width: 8, height: 8, data: new Uint8Array(20000), channels: 7 }]));
        assert.throws(() => learner.classify({ width: 20000, height: 1, data: new Uint8Array(20000) }));
        (await loadLearner(good)).dispose();
      }
    };
    await round(); // the heap reaches its working size
    const heap = engine.module.HEAPU8.length;
    await round();
    await round();
    assert.equal(engine.module.HEAPU8.length, heap, 'the heap grew while only refused calls ran');
    learner.dispose();
  });
});
