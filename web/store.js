// store.js - where the page keeps what it was taught: the learner's checkpoint bytes and a small
// metadata record (class list, sample counts, thumbnails), in IndexedDB, written together in ONE
// transaction so that a failed write (quota, abort) leaves the previous state whole.
// Not a general database layer. Works in the browser and, for tests, with npm fake-indexeddb.
//
// Rules it follows (docs/design.md 5.4): ArrayBuffers, never Blobs; nothing but the transaction's own
// requests is awaited while it is open (anything else would let it commit early); private windows
// without IndexedDB, and quota errors, fall back to keeping the state in memory.

const DB_NAME = 'icarl-page';
const DB_VERSION = 1;
const STORES = ['checkpoint', 'meta'];
const KEY = 'current';

/** Why the state is only in memory, as an Error with a `code`: 'UNAVAILABLE' (no IndexedDB),
 * 'QUOTA' (storage full), 'FAILED' (any other write error). */
export class StoreError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

function requestPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function isQuota(error) {
  return error?.name === 'QuotaExceededError' || error?.code === 22 || /quota/i.test(error?.message ?? '');
}

function toArrayBuffer(bytes) {
  if (bytes instanceof ArrayBuffer) return bytes;
  if (ArrayBuffer.isView(bytes)) {
    // A copy of exactly the view's bytes (a view may cover part of a larger or shared buffer).
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  throw new TypeError('checkpoint must be an ArrayBuffer or a typed array');
}

/**
 * Opens the store. Options: indexedDB (default globalThis.indexedDB; tests pass fake-indexeddb's),
 * name (database name). Resolves to a Store; never rejects: without IndexedDB the Store keeps
 * everything in memory and says so through `persistent === false` and `problem`.
 */
export async function openStore({ indexedDB = globalThis.indexedDB, name = DB_NAME } = {}) {
  const store = new Store(indexedDB, name);
  await store.connect();
  return store;
}

export class Store {
  #factory;
  #name;
  #db = null;
  #memory = null; // {checkpoint, meta} when writes go to memory only
  /** the StoreError that put this store into memory mode, or null */
  problem = null;

  constructor(factory, name) {
    this.#factory = factory;
    this.#name = name;
  }

  /** true while state is written to IndexedDB (false: memory only, see `problem`) */
  get persistent() {
    return this.#db !== null;
  }

  async connect() {
    if (this.#db) return true;
    if (!this.#factory) {
      this.problem = new StoreError('UNAVAILABLE', 'IndexedDB is not available here (a private window?)');
      return false;
    }
    try {
      const request = this.#factory.open(this.#name, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        for (const store of STORES) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
      };
      request.onblocked = () => {}; // another tab holds an older version; wait for it
      this.#db = await requestPromise(request);
      // Another tab deleting or upgrading the database: let go of it instead of blocking it.
      this.#db.onversionchange = () => {
        this.#db?.close();
        this.#db = null;
      };
      this.problem = null;
      return true;
    } catch (error) {
      this.#db = null;
      this.problem = new StoreError('UNAVAILABLE', `IndexedDB cannot be opened: ${error?.message ?? error}`, { cause: error });
      return false;
    }
  }

  /** The last saved {checkpoint: ArrayBuffer|null, meta: object|null}, or null when empty. */
  async load() {
    if (!this.#db) return this.#memory ? { ...this.#memory } : null;
    const tx = this.#db.transaction(STORES, 'readonly');
    const [checkpoint, meta] = await Promise.all([
      requestPromise(tx.objectStore('checkpoint').get(KEY)),
      requestPromise(tx.objectStore('meta').get(KEY)),
    ]);
    if (checkpoint === undefined && meta === undefined) return null;
    return { checkpoint: checkpoint ?? null, meta: meta ?? null };
  }

  /**
   * Saves checkpoint bytes (ArrayBuffer or typed array; null for none) and the metadata object
   * together: both or neither. Rejects with a StoreError ('QUOTA' or 'FAILED'); the previous
   * saved state then stays as it was, and this state is kept in memory so that nothing is lost
   * while the page stays open. A later save retries IndexedDB (Firefox refuses writes after a
   * quota error until the database is reopened, so it is reopened).
   */
  async save({ checkpoint, meta }) {
    const buffer = checkpoint == null ? null : toArrayBuffer(checkpoint);
    if (!this.#db && this.problem?.code !== 'UNAVAILABLE') await this.connect();
    if (!this.#db) {
      this.#memory = { checkpoint: buffer, meta };
      throw this.problem;
    }
    try {
      await this.#write(buffer, meta);
      this.#memory = null;
    } catch (error) {
      this.#memory = { checkpoint: buffer, meta };
      const quota = isQuota(error);
      if (quota) {
        this.#db?.close(); // reopen before the next write
        this.#db = null;
      }
      throw new StoreError(quota ? 'QUOTA' : 'FAILED', quota
        ? 'storage is full: the last saved state is kept, newer changes live only in this tab'
        : `saving failed (${error?.name ?? 'Error'}: ${error?.message ?? error}); the last saved state is kept`, { cause: error });
    }
  }

  #write(buffer, meta) {
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = this.#db.transaction(STORES, 'readwrite');
      } catch (error) {
        reject(error);
        return;
      }
      let failure = null;
      tx.oncomplete = () => resolve();
      tx.onerror = (event) => {
        failure ??= tx.error ?? event?.target?.error;
      };
      tx.onabort = () => reject(failure ?? tx.error ?? new Error('the transaction was aborted'));
      try {
        // Both requests are queued synchronously: nothing else is awaited inside the transaction.
        if (buffer) tx.objectStore('checkpoint').put(buffer, KEY);
        else tx.objectStore('checkpoint').delete(KEY);
        tx.objectStore('meta').put(meta, KEY);
      } catch (error) {
        // put() throws synchronously for an uncloneable value (DataCloneError) or a quota that
        // is known at once: undo what was queued before it.
        failure = error;
        try {
          tx.abort();
        } catch {
          reject(error); // already finished: onabort will not come
        }
      }
    });
  }

  /** Removes everything saved (Reset). */
  async clear() {
    this.#memory = null;
    if (!this.#db) return;
    await new Promise((resolve, reject) => {
      const tx = this.#db.transaction(STORES, 'readwrite');
      for (const store of STORES) tx.objectStore(store).clear();
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error('clearing was aborted'));
    });
  }

  close() {
    this.#db?.close();
    this.#db = null;
  }
}
