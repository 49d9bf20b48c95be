// store.test.mjs - web/store.js (the page's IndexedDB store) against npm's fake-indexeddb:
// save/load round trip with ArrayBuffers, both records in one transaction, failed writes (an
// uncloneable value, an injected QuotaExceededError, an abort) that leave the previous state
// whole, the in-memory fallback without IndexedDB, and clear().
import assert from 'node:assert/strict';
import { openStore } from '../../web/store.js';
import { needing } from './prerequisites.mjs';

// fake-indexeddb comes from the top-level package.json (build-scripts/setup.sh installs it).
const fake = await import('fake-indexeddb').catch(() => null);
const { IDBFactory, IDBObjectStore } = fake ?? {};
const { test } = needing(fake ? '' : 'npm fake-indexeddb is not installed (run build-scripts/setup.sh, or npm ci)');

let counter = 0;
const fresh = () => openStore({ indexedDB: new IDBFactory(), name: `store-test-${++counter}` });
const bytes = (...values) => new Uint8Array(values);

test('an empty store loads as null', async () => {
  const store = await fresh();
  assert.equal(store.persistent, true);
  assert.equal(await store.load(), null);
});

test('checkpoint bytes and metadata round-trip as an ArrayBuffer and an object', async () => {
  const store = await fresh();
  const meta = { version: 1, classes: [{ id: 1, name: 'mug', samples: 3, thumbs: ['data:,'] }] };
  // A view into the middle of a larger buffer: only its own bytes must be stored.
  const big = bytes(9, 9, 1, 2, 3, 9);
  await store.save({ checkpoint: big.subarray(2, 5), meta });
  const loaded = await store.load();
  assert.ok(loaded.checkpoint instanceof ArrayBuffer, 'stored as an ArrayBuffer, not a Blob or a view');
  assert.deepEqual([...new Uint8Array(loaded.checkpoint)], [1, 2, 3]);
  assert.deepEqual(loaded.meta, meta);
});

test('a write that fails inside the transaction leaves the previous state intact', async () => {
  const store = await fresh();
  await store.save({ checkpoint: bytes(1, 1, 1), meta: { step: 1 } });
  // The checkpoint put is queued first, then the metadata put throws (DataCloneError): the
  // transaction must be aborted, so the new checkpoint must not be there either.
  await assert.rejects(store.save({ checkpoint: bytes(2, 2, 2), meta: { step: 2, bad: () => {} } }), (error) => {
    assert.equal(error.name, 'StoreError');
    assert.equal(error.code, 'FAILED');
    assert.match(error.message, /last saved state is kept/);
    return true;
  });
  const loaded = await store.load();
  assert.deepEqual([...new Uint8Array(loaded.checkpoint)], [1, 1, 1]);
  assert.deepEqual(loaded.meta, { step: 1 });
  // The store still works afterwards.
  await store.save({ checkpoint: bytes(3), meta: { step: 3 } });
  assert.deepEqual((await store.load()).meta, { step: 3 });
});

test('a QuotaExceededError is reported as QUOTA, keeps the old state and the store recovers', async (t) => {
  const factory = new IDBFactory();
  const store = await openStore({ indexedDB: factory, name: 'quota' });
  await store.save({ checkpoint: bytes(1), meta: { step: 1 } });
  const realPut = IDBObjectStore.prototype.put;
  let calls = 0;
  t.mock.method(IDBObjectStore.prototype, 'put', function (...args) {
    // The second put of the transaction (the metadata) hits the quota, after the checkpoint's.
    if (++calls === 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return realPut.apply(this, args);
  });
  await assert.rejects(store.save({ checkpoint: bytes(2), meta: { step: 2 } }), { code: 'QUOTA' });
  t.mock.restoreAll();
  assert.equal(store.persistent, false, 'closed after a quota error, to be reopened');
  // Reading while closed gives what this tab has (kept in memory), the database the old state.
  assert.deepEqual((await store.load()).meta, { step: 2 });
  const other = await openStore({ indexedDB: factory, name: 'quota' });
  const saved = await other.load();
  assert.deepEqual([...new Uint8Array(saved.checkpoint)], [1], 'the database still holds the last good state');
  assert.deepEqual(saved.meta, { step: 1 });
  other.close();
  await store.save({ checkpoint: bytes(4), meta: { step: 4 } });
  assert.equal(store.persistent, true, 'the next save reopens the database');
  assert.deepEqual((await store.load()).meta, { step: 4 });
});

test('an aborted transaction rejects and changes nothing', async (t) => {
  const store = await fresh();
  await store.save({ checkpoint: bytes(7), meta: { step: 1 } });
  const realPut = IDBObjectStore.prototype.put;
  t.mock.method(IDBObjectStore.prototype, 'put', function (...args) {
    const request = realPut.apply(this, args);
    if (args[1] === 'current' && this.name === 'meta') this.transaction.abort();
    return request;
  });
  await assert.rejects(store.save({ checkpoint: bytes(8), meta: { step: 2 } }), { name: 'StoreError' });
  t.mock.restoreAll();
  const loaded = await store.load();
  assert.deepEqual([...new Uint8Array(loaded.checkpoint)], [7]);
  assert.deepEqual(loaded.meta, { step: 1 });
});

test('without IndexedDB the store keeps the state in memory and says why', async () => {
  const store = await openStore({ indexedDB: null });
  assert.equal(store.persistent, false);
  assert.equal(store.problem.code, 'UNAVAILABLE');
  await assert.rejects(store.save({ checkpoint: bytes(5), meta: { step: 1 } }), { code: 'UNAVAILABLE' });
  const loaded = await store.load();
  assert.deepEqual([...new Uint8Array(loaded.checkpoint)], [5]);
  assert.deepEqual(loaded.meta, { step: 1 });
});

test('an IndexedDB that refuses to open falls back to memory', async () => {
  const broken = { open() { throw new DOMException('The user denied permission to access the database.', 'SecurityError'); } };
  const store = await openStore({ indexedDB: broken });
  assert.equal(store.persistent, false);
  assert.match(store.problem.message, /cannot be opened/);
});

test('clear() removes everything and the state persists across reopening', async () => {
  const factory = new IDBFactory();
  const first = await openStore({ indexedDB: factory, name: 'reopen' });
  await first.save({ checkpoint: bytes(1, 2), meta: { step: 1 } });
  first.close();
  const second = await openStore({ indexedDB: factory, name: 'reopen' });
  assert.deepEqual((await second.load()).meta, { step: 1 });
  await second.clear();
  assert.equal(await second.load(), null);
});
