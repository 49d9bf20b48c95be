// icarl.js - the JavaScript API of icarl-wasm (docs/design.md 5.3), one ES module for the browser,
// workers and Node >= 20. It loads the WebAssembly engine (the SIMD build with threads where
// shared memory and workers are allowed: Node, and cross-origin isolated pages; else the
// single-thread SIMD build, or the scalar build where SIMD is missing; the SIMD builds link their
// relaxed-SIMD kernels where the JavaScript engine has relaxed SIMD), wraps each exported C
// function once with explicit types, and exposes Learner objects that own one C learner each and
// must be dispose()d.
// It is deliberately not a worker wrapper: the page's worker imports this module itself.

/** An Error with a machine-readable `code` (an icarl_status name such as 'NO_CLASSES', or one of
 * the JS-side codes 'DISPOSED', 'ABORTED', 'ENGINE_UNAVAILABLE'). */
export class IcarlError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'IcarlError';
    this.code = code;
  }
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

// ---- engine loading ----------------------------------------------------------------------------

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)): validates only where the
// final SIMD proposal is implemented. One module cannot detect SIMD from inside: a module that
// contains v128 instructions fails to compile where they are missing.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]);

/** True when this JavaScript engine runs WebAssembly SIMD (simd128). */
export function simdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2
// f32x4.relaxed_madd)): validates only where relaxed SIMD is implemented (Chromium by default,
// Node 20 with --experimental-wasm-relaxed-simd, which its worker threads share).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11,
  0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

/** True when this JavaScript engine runs relaxed SIMD: the SIMD flavours then run their GEMM and
 * convolution kernels with fused multiply-adds (f32x4.relaxed_madd), linked from a small module
 * of their own; elsewhere they run the simd128 kernels. */
export function relaxedSimdSupported() {
  try {
    return simdSupported() && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** True when this context can run the threads flavour: WebAssembly SIMD, shared WebAssembly
 * memory and workers, which Node 20 always has and a browser allows only to a cross-origin
 * isolated page (COOP same-origin + COEP require-corp) and its workers. */
export function threadsSupported() {
  if (!simdSupported() || typeof SharedArrayBuffer !== 'function') return false;
  if (!isNode && (globalThis.crossOriginIsolated !== true || typeof Worker !== 'function')) return false;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** The flavour 'auto' stands for here: 'simd-threads' where threadsSupported(), else 'simd' where
 * simdSupported(), else 'scalar'. With {threads: false}, the best single-thread one ('simd', else
 * 'scalar'): for a page's main thread, whose one-frame classify() gains nothing from a pool of
 * pthread workers, in a page whose training worker still runs 'auto'. */
export function autoFlavour({ threads = true } = {}) {
  if (threads && threadsSupported()) return 'simd-threads';
  return simdSupported() ? 'simd' : 'scalar';
}

const FLAVOURS = ['simd-threads', 'simd', 'scalar'];
const enginePromises = new Map();

/**
 * Loads (once per flavour) and returns the engine: the raw module and its wrapped functions.
 * options.flavour: 'auto' (default: autoFlavour()), or one of 'simd-threads', 'simd', 'scalar'.
 * options.relaxedSimd: whether the SIMD flavours link their relaxed-SIMD kernels (default:
 * relaxedSimdSupported(); false runs the simd128 kernels; the scalar flavour has none).
 * options.wasmBinary: the .wasm bytes, to skip fetching/reading them.
 * options.wasmUrl: where to fetch the .wasm from (default: beside icarl.js; file: URLs are read
 * from disk in Node).
 */
export function loadEngine(options = {}) {
  let flavour = options.flavour ?? 'auto';
  if (flavour === 'auto') flavour = autoFlavour();
  if (!FLAVOURS.includes(flavour)) {
    return Promise.reject(new IcarlError('INVALID_ARGUMENT', `engine flavour must be 'auto', ${FLAVOURS.map((name) => `'${name}'`).join(', ')}, not '${flavour}'`));
  }
  if (flavour !== 'scalar' && !simdSupported()) {
    return Promise.reject(new IcarlError('ENGINE_UNAVAILABLE', 'this JavaScript engine has no WebAssembly SIMD; use the scalar flavour'));
  }
  if (flavour === 'simd-threads' && !threadsSupported()) {
    return Promise.reject(new IcarlError('ENGINE_UNAVAILABLE', 'no shared WebAssembly memory or workers here (a page must be cross-origin isolated); use the simd flavour'));
  }
  const relaxed = flavour !== 'scalar' && (options.relaxedSimd ?? relaxedSimdSupported());
  if (relaxed && !relaxedSimdSupported()) {
    return Promise.reject(new IcarlError('ENGINE_UNAVAILABLE', 'this JavaScript engine has no relaxed WebAssembly SIMD (Node 20 needs --experimental-wasm-relaxed-simd)'));
  }
  // custom sources are not cached
  const key = options.wasmBinary || options.wasmUrl ? null : `${flavour}${relaxed ? '+relaxed' : ''}`;
  if (key && enginePromises.has(key)) return enginePromises.get(key);
  // A JavaScript engine that validates the probe may still refuse the kernel module (a browser's
  // main thread compiles only small modules synchronously): the simd128 kernels then run, unless
  // relaxed SIMD was asked for explicitly.
  const promise = instantiate(flavour, relaxed, options.wasmBinary, options.wasmUrl).then((engine) => {
    if (options.relaxedSimd === true && !engine.relaxedSimd) {
      throw new IcarlError('ENGINE_UNAVAILABLE', `the ${flavour} engine could not link its relaxed-SIMD kernels`);
    }
    return engine;
  });
  if (key) {
    enginePromises.set(key, promise);
    promise.catch(() => enginePromises.delete(key)); // a failed load may be retried
  }
  return promise;
}

// Compiles the module from a URL: streaming when the server sends application/wasm, else (a
// misconfigured static host) from the downloaded bytes, so a wrong MIME type costs speed only.
async function instantiateFromUrl(url, imports) {
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      return await WebAssembly.instantiateStreaming(fetch(url, { credentials: 'same-origin' }), imports);
    } catch {
      // fall through to the byte path, which reports a failed download clearly
    }
  }
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}

async function instantiate(flavour, relaxed, wasmBinary, wasmUrlOption) {
  const glueUrl = new URL(`./icarl-engine-${flavour}.js`, import.meta.url);
  const wasmUrl = new URL(wasmUrlOption ?? `./icarl-engine-${flavour}.wasm`, import.meta.url);
  let factory;
  try {
    ({ default: factory } = await import(glueUrl.href));
  } catch (error) {
    throw new IcarlError('ENGINE_UNAVAILABLE', `cannot load ${glueUrl.pathname}: ${error.message} (run build-scripts/build.sh)`, { cause: error });
  }
  // Read by the SIMD flavours' src/wasm/relaxed-simd-pre.js, which links the kernels (or not).
  const moduleOptions = { icarlRelaxedSimd: relaxed };
  if (flavour === 'simd-threads') await prepareThreads(moduleOptions, glueUrl);
  let fetchFailure = null;
  if (wasmBinary) {
    moduleOptions.wasmBinary = wasmBinary;
  } else if (isNode && wasmUrl.protocol === 'file:') {
    // Emscripten 3.1.6's glue would fetch() a file path under Node 20 and fail: read it here.
    const { readFile } = await import('node:fs/promises');
    try {
      moduleOptions.wasmBinary = await readFile(wasmUrl);
    } catch (error) {
      throw new IcarlError('ENGINE_UNAVAILABLE', `cannot read ${wasmUrl.pathname}: ${error.message} (run build-scripts/build.sh)`, { cause: error });
    }
  } else {
    // Browsers and workers: fetch it ourselves rather than through the glue, whose fallback
    // path does not know module workers (neither `window` nor `importScripts` exist there).
    moduleOptions.instantiateWasm = (imports, receiveInstance) => {
      instantiateFromUrl(wasmUrl.href, imports).then(
        (result) => receiveInstance(result.instance, result.module),
        (error) => {
          fetchFailure = error;
          rejectLoad?.(error);
        },
      );
      return {}; // the exports arrive asynchronously through receiveInstance
    };
  }
  let rejectLoad;
  const failed = new Promise((_, reject) => {
    rejectLoad = reject;
  });
  failed.catch(() => {}); // observed below; never an unhandled rejection
  let module;
  try {
    module = await Promise.race([factory(moduleOptions), failed]);
  } catch (error) {
    const cause = fetchFailure ?? error;
    throw new IcarlError('ENGINE_UNAVAILABLE', `cannot instantiate the ${flavour} engine from ${wasmUrl.href}: ${cause?.message ?? cause}`, { cause });
  }
  if (flavour === 'simd-threads' && isNode) {
    // The pool's workers would keep Node running after the caller is done. The engine's calls
    // are synchronous, so the workers only ever work while the main thread waits for them.
    for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref();
  }
  return new Engine(module, flavour);
}

// Module options the threads flavour's glue (emcc 3.1.6) needs beyond the wasm bytes. Each pthread
// worker imports the glue again and instantiates the compiled module the main thread posts it
// (with the shared memory), so no worker fetches or reads the .wasm itself.
async function prepareThreads(moduleOptions, glueUrl) {
  // Workers import the glue from this URL rather than guessing it from their own location.
  moduleOptions.mainScriptUrlOrBlob = glueUrl.href;
  if (!isNode) return; // the glue starts icarl-engine-simd-threads.worker.js beside itself
  // Under Node the glue calls require() (worker_threads, os), which an ES module lacks: the
  // pre-js in src/wasm/wasm.cmake takes this one. And its workers start from the CommonJS copy
  // of the worker script, because web/package.json makes a .js file an ES module there.
  const [{ createRequire }, { fileURLToPath }] = await Promise.all([import('node:module'), import('node:url')]);
  moduleOptions.icarlRequire = createRequire(glueUrl);
  const workerPath = fileURLToPath(new URL('./icarl-engine-simd-threads.worker.cjs', glueUrl));
  moduleOptions.locateFile = (path, prefix) => (path.endsWith('.worker.js') ? workerPath : prefix + path);
}

// ---- the wrapped C API ---------------------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** One instantiated engine module. Heap views are read afresh on every access, because any call
 * that allocates may grow the memory: that detaches earlier views of an unshared memory, and
 * leaves views of a shared one (the threads flavour) at the old length, reading undefined past it
 * (and a pthread may be the one that grew it, which the main thread's glue does not notice). */
export class Engine {
  #sharedMemory;
  #views = null;

  constructor(module, flavour) {
    this.module = module;
    this.flavour = flavour;
    /** True when the GEMM and convolution kernels are the relaxed-SIMD ones (loadEngine). */
    this.relaxedSimd = module.icarlRelaxedSimdLinked === true;
    this.#sharedMemory = flavour === 'simd-threads' ? module.wasmMemory : null;
    /** The wrapped C functions, by name without the icarl_wasm_ prefix (plus malloc, free). */
    this.c = {};
    // Each function src/wasm/exports.txt lists, with the types it gives (the build puts them in
    // the glue as Module.icarlExports). 'ptr' and 'i32' are passed as they are, 'f32'/'f64' as
    // numbers, 'u32' as unsigned; 'string' arguments are copied to the heap as UTF-8 for the
    // call, and 'string' results are decoded (NULL gives null).
    const signatures = module.icarlExports;
    if (typeof signatures !== 'object' || signatures === null) {
      throw new IcarlError('ENGINE_UNAVAILABLE', `the ${flavour} engine carries no export table: rebuild it`);
    }
    for (const [name, [result, args]] of Object.entries(signatures)) {
      const raw = module[`_${name}`];
      if (typeof raw !== 'function') {
        throw new IcarlError('ENGINE_UNAVAILABLE', `the ${flavour} engine does not export ${name}: rebuild it`);
      }
      this.c[name.replace(/^icarl_wasm_/, '')] = this.#wrap(raw, result, args);
    }
    /** icarl_status names by value ('OK', 'INVALID_ARGUMENT', ...), as the engine defines them. */
    this.statusNames = Object.freeze(Array.from({ length: this.c.status_count() }, (_, i) => this.c.status_name(i)));
    /** icarl_phase names by value ('idle', 'targets', 'training', 'herding', 'means', 'done'). */
    this.phaseNames = Object.freeze(Array.from({ length: this.c.phase_count() }, (_, i) => this.c.phase_name(i)));
    /** Preset names by value ('fashion-mnist', 'webcam'). */
    this.presetNames = Object.freeze(namesUntilNull((i) => this.c.preset_name(i)));
    /** The configuration's fields, from the engine's one table (see configFields()). */
    this.configFields = Object.freeze(readConfigFields(this));
  }

  get HEAPU8() { return this.#view('HEAPU8'); }
  get HEAP32() { return this.#view('HEAP32'); }
  get HEAPU32() { return this.#view('HEAPU32'); }
  get HEAPF32() { return this.#view('HEAPF32'); }
  get HEAPF64() { return this.#view('HEAPF64'); }

  /** True when the heap is a SharedArrayBuffer (the threads flavour). */
  get sharedMemory() { return this.#sharedMemory !== null; }

  // An unshared memory: the glue replaces its views whenever it grows the memory (only the main
  // thread can). A shared one: Memory.buffer is a new SharedArrayBuffer object exactly when the
  // memory has grown (from any thread), so views are rebuilt only then.
  #view(name) {
    if (!this.#sharedMemory) return this.module[name];
    const buffer = this.#sharedMemory.buffer;
    if (this.#views?.buffer !== buffer) {
      this.#views = {
        buffer,
        HEAPU8: new Uint8Array(buffer),
        HEAP32: new Int32Array(buffer),
        HEAPU32: new Uint32Array(buffer),
        HEAPF32: new Float32Array(buffer),
        HEAPF64: new Float64Array(buffer),
      };
    }
    return this.#views[name];
  }

  #wrap(raw, result, args) {
    const hasString = args.includes('string');
    const convert = (value, type) => {
      if (type === 'u32') return value >>> 0;
      if (type === 'i32' || type === 'ptr') return value | 0;
      return +value;
    };
    const finish = (value) => {
      if (result === 'string') return value ? this.readString(value) : null;
      if (result === 'u32') return value >>> 0;
      return value;
    };
    if (!hasString) {
      return (...values) => {
        if (values.length !== args.length) throw new TypeError(`expected ${args.length} arguments, got ${values.length}`);
        return finish(raw(...values.map((value, i) => convert(value, args[i]))));
      };
    }
    return (...values) => {
      if (values.length !== args.length) throw new TypeError(`expected ${args.length} arguments, got ${values.length}`);
      const temporary = [];
      try {
        const converted = values.map((value, i) => {
          if (args[i] !== 'string') return convert(value, args[i]);
          if (value === null || value === undefined) return 0;
          const pointer = this.writeString(String(value));
          temporary.push(pointer);
          return pointer;
        });
        return finish(raw(...converted));
      } finally {
        for (const pointer of temporary) this.c.free(pointer);
      }
    };
  }

  /** malloc that throws OUT_OF_MEMORY instead of returning 0. */
  alloc(size) {
    const pointer = this.c.malloc(Math.max(1, size));
    if (!pointer) throw new IcarlError('OUT_OF_MEMORY', `out of WebAssembly memory allocating ${size} bytes`);
    return pointer;
  }

  writeString(text) {
    const bytes = encoder.encode(text);
    const pointer = this.alloc(bytes.length + 1);
    const heap = this.HEAPU8;
    heap.set(bytes, pointer);
    heap[pointer + bytes.length] = 0;
    return pointer;
  }

  readString(pointer) {
    const heap = this.HEAPU8;
    let end = pointer;
    while (heap[end] !== 0) end++;
    // TextDecoder refuses views of a SharedArrayBuffer in browsers: decode a copy there.
    return decoder.decode(this.#sharedMemory ? heap.slice(pointer, end) : heap.subarray(pointer, end));
  }

  /** Copies bytes into a fresh heap block; the caller frees it. */
  copyIn(bytes) {
    const pointer = this.alloc(bytes.length);
    this.HEAPU8.set(bytes, pointer);
    return pointer;
  }

  /** Runs fn(pointer) with `size` bytes of scratch, freed afterwards whatever happens. */
  withScratch(size, fn) {
    const pointer = this.alloc(size);
    try {
      return fn(pointer);
    } finally {
      this.c.free(pointer);
    }
  }

  /** Throws an IcarlError when `status` is not ICARL_OK. Its message is one sentence: the
   * engine's own explanation `detail` when it gave one (it names the problem already, often in
   * the status sentence's words, so the two are never joined), else the status sentence;
   * `context` (what was being done, when the caller knows better than the engine) goes first. */
  check(status, detail = '', context = '') {
    if (status === 0) return;
    const code = this.statusNames[status] ?? `STATUS_${status}`;
    const reason = detail || (this.c.strerror(status) ?? code);
    const error = new IcarlError(code, context ? `${context}: ${reason}` : reason);
    error.detail = detail; // the engine's own explanation alone, for tools that print it bare
    throw error;
  }

  /**
   * Decodes PNG/JPEG/BMP bytes with the engine's stb_image into {width, height, channels, data}
   * (channels 1 or 3), exactly as the native tool decodes.
   */
  decodeImage(bytes, channels = 3) {
    const source = toBytes(bytes, 'image bytes');
    const input = this.copyIn(source);
    try {
      return this.withScratch(16, (scratch) => {
        const status = this.c.image_decode(input, source.length, channels, scratch, scratch + 8);
        this.check(status); // the bare sentence: callers name the file
        const pixels = this.HEAPU32[scratch >> 2];
        const width = this.HEAP32[(scratch + 8) >> 2];
        const height = this.HEAP32[(scratch + 12) >> 2];
        try {
          return { width, height, channels, data: this.HEAPU8.slice(pixels, pixels + width * height * channels) };
        } finally {
          this.c.free(pixels);
        }
      });
    } finally {
      this.c.free(input);
    }
  }
}

function split64(value) {
  let big;
  try {
    big = BigInt(value);
  } catch {
    throw new IcarlError('INVALID_ARGUMENT', `a seed must be a whole number 0..2^64-1, not ${String(value)}`);
  }
  if (big < 0n || big >= 1n << 64n) throw new IcarlError('INVALID_ARGUMENT', `a seed must be 0..2^64-1, not ${value}`);
  return [Number(big & 0xffffffffn), Number(big >> 32n)];
}

function toBytes(value, what) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return Uint8Array.from(value);
  throw new IcarlError('INVALID_ARGUMENT', `${what} must be a Uint8Array, an ArrayBuffer or a typed array`);
}

// ---- configuration -------------------------------------------------------------------------------

const KINDS = ['int', 'float', 'bool', 'choice', 'seed'];
const FIELD_ARCHITECTURE = 1;
const FIELD_NOT_SAVED = 2;

const camelCase = (name) => name.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase());

function namesUntilNull(nameAt) {
  const names = [];
  for (let name = nameAt(0); name !== null; name = nameAt(names.length)) names.push(name);
  return names;
}

// The engine's field table as options: one per field, except that the elements of a C array
// (decay_at_0, decay_at_1) form one array option (decayAt).
function readConfigFields(engine) {
  const options = [];
  engine.withScratch(4 * 8, (block) => {
    for (let index = 0; index < engine.c.config_field_count(); index++) {
      const name = engine.c.config_field(index, block);
      const [kind, flags, minimum, maximum] = engine.HEAPF64.slice(block >> 3, (block >> 3) + 4);
      const element = /^(.*)_(\d+)$/.exec(name);
      const field = {
        name,
        kind: KINDS[kind],
        minimum,
        maximum,
        architecture: (flags & FIELD_ARCHITECTURE) !== 0,
        saved: (flags & FIELD_NOT_SAVED) === 0,
        choices: KINDS[kind] === 'choice' ? namesUntilNull((i) => engine.c.config_field_choice(index, i)) : null,
      };
      const previous = options.at(-1);
      if (element && previous?.elements && previous.key === camelCase(element[1])) {
        previous.elements.push(field);
      } else if (element) {
        options.push({ ...field, key: camelCase(element[1]), elements: [field] });
      } else {
        options.push({ ...field, key: camelCase(name) });
      }
    }
  });
  return options;
}

function setField(engine, config, field, key, value) {
  let number;
  if (field.kind === 'seed') {
    const [low, high] = split64(value);
    engine.c.config_set_seed(config, low, high);
    return;
  }
  if (field.kind === 'choice') {
    number = typeof value === 'number' ? value : field.choices.indexOf(value);
    if (!(Number.isInteger(number) && number >= 0 && number < field.choices.length)) {
      throw new IcarlError('INVALID_ARGUMENT', `${key} must be one of ${field.choices.join(', ')}, not '${value}'`);
    }
  } else if (field.kind === 'bool') {
    number = value ? 1 : 0;
  } else {
    number = Number(value);
    if (typeof value !== 'number' || !Number.isFinite(number) || (field.kind === 'int' && !Number.isInteger(number))) {
      throw new IcarlError('INVALID_ARGUMENT', `${key} must be a ${field.kind === 'int' ? 'whole' : 'finite'} number, not ${value}`);
    }
  }
  engine.check(engine.c.config_set(config, field.name, number), '', `option ${key}`);
}

// Options that are not configuration fields: which preset to start from, and how to load the
// engine.
const LOADING_OPTIONS = new Set(['preset', 'engine', 'relaxedSimd', 'wasmBinary', 'wasmUrl']);

function writeConfig(engine, config, options, mutableOnly) {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || LOADING_OPTIONS.has(key)) continue;
    const option = engine.configFields.find((candidate) => candidate.key === key);
    if (!option) throw new IcarlError('INVALID_ARGUMENT', `unknown option '${key}'`);
    if (mutableOnly && (option.architecture || option.kind === 'seed')) {
      throw new IcarlError('INVALID_ARGUMENT', `option '${key}' is fixed when the learner is created`);
    }
    if (option.elements) {
      if (!Array.isArray(value) || value.length !== option.elements.length) {
        throw new IcarlError('INVALID_ARGUMENT', `${key} must be an array of ${option.elements.length} numbers`);
      }
      option.elements.forEach((element, i) => setField(engine, config, element, `${key}[${i}]`, value[i]));
    } else {
      setField(engine, config, option, key, value);
    }
  }
}

function readConfig(engine, config) {
  return engine.withScratch(8, (scratch) => {
    const get = (field) => {
      if (field.kind === 'seed') {
        const seed = (BigInt(engine.c.config_seed_part(config, 1)) << 32n) | BigInt(engine.c.config_seed_part(config, 0));
        return seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seed) : seed;
      }
      engine.check(engine.c.config_get(config, field.name, scratch), '', `option ${field.name}`);
      const value = engine.HEAPF64[scratch >> 3];
      if (field.kind === 'choice') return field.choices[value] ?? value;
      if (field.kind === 'bool') return value !== 0;
      if (field.kind === 'float') return shortestFloat32(value);
      return value;
    };
    const result = {};
    for (const option of engine.configFields) {
      result[option.key] = option.elements ? option.elements.map(get) : get(option);
    }
    return result;
  });
}

// The shortest decimal that is the same float32, so 0.05 reads back as 0.05 and not as
// 0.05000000074505806 (the double nearest the stored float).
function shortestFloat32(value) {
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

function newConfig(engine, preset) {
  const presetIndex = engine.presetNames.indexOf(preset ?? 'webcam');
  if (presetIndex < 0) throw new IcarlError('INVALID_ARGUMENT', `preset must be one of ${engine.presetNames.join(', ')}, not '${preset}'`);
  const config = engine.c.config_new(presetIndex);
  if (!config) throw new IcarlError('OUT_OF_MEMORY', 'out of WebAssembly memory for a configuration');
  return config;
}

// ---- images --------------------------------------------------------------------------------------

/** Checks an ImageData-like {width, height, data[, channels]} and returns its byte view and
 * channel count (from `channels`, else from the data length: 4 RGBA, 3 RGB, 1 grey). */
function normaliseImage(image, where) {
  if (image === null || typeof image !== 'object') throw new IcarlError('INVALID_ARGUMENT', `${where} is not an image object {width, height, data}`);
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new IcarlError('INVALID_ARGUMENT', `${where} has invalid size ${width}x${height}: width and height must be positive whole numbers`);
  }
  let data;
  try {
    data = toBytes(image.data, `${where}.data`);
  } catch (error) {
    throw new IcarlError('INVALID_ARGUMENT', `${where}: data must be a Uint8Array, Uint8ClampedArray or ArrayBuffer of pixels`, { cause: error });
  }
  const pixels = width * height;
  let channels = image.channels;
  if (channels === undefined) {
    channels = [4, 3, 1].find((c) => data.length === pixels * c);
    if (channels === undefined) {
      throw new IcarlError('INVALID_ARGUMENT', `${where}: ${data.length} bytes of data do not fit ${width}x${height} pixels of 4 (RGBA), 3 (RGB) or 1 (grey) channels`);
    }
  } else if (![1, 3, 4].includes(channels)) {
    throw new IcarlError('INVALID_ARGUMENT', `${where}: channels must be 1, 3 or 4, not ${channels}`);
  } else if (data.length < pixels * channels) {
    throw new IcarlError('INVALID_ARGUMENT', `${where}: ${data.length} bytes of data are too few for ${width}x${height}x${channels}`);
  }
  return { width, height, channels, data: data.subarray(0, pixels * channels) };
}

// ---- yielding to the event loop ------------------------------------------------------------------

// setTimeout(0) is clamped to 4 ms after a few nested calls in browsers, which would idle the
// training a good part of the time; a MessageChannel message is a macrotask without the clamp.
// Node has setImmediate (a MessageChannel there would keep the process alive).
let yieldChannel = null;
const yieldQueue = [];
function yieldToEventLoop() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    if (!yieldChannel) {
      yieldChannel = new MessageChannel();
      yieldChannel.port1.onmessage = () => yieldQueue.shift()?.();
    }
    return new Promise((resolve) => {
      yieldQueue.push(resolve);
      yieldChannel.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

// Not exported: the starter path of createLearner may set what reconfigure() may not.
const SETTLE = Symbol('settle');

// ---- the learner ---------------------------------------------------------------------------------

/** One iCaRL learner in the engine. Call dispose() when done: the C memory is not collected. */
export class Learner {
  #engine;
  #handle;
  #training = false;

  constructor(engine, handle) {
    this.#engine = engine;
    this.#handle = handle;
  }

  #live() {
    if (!this.#handle) throw new IcarlError('DISPOSED', 'this learner has been disposed');
    return this.#handle;
  }

  #check(status) {
    if (status === 0) return;
    const detail = this.#handle ? this.#engine.c.last_error(this.#handle) : '';
    this.#engine.check(status, detail);
  }

  /** 'simd-threads', 'simd' or 'scalar': which engine build runs this learner. */
  get engineFlavour() {
    return this.#engine.flavour;
  }

  /** True when its engine runs the relaxed-SIMD kernels (fused multiply-adds). */
  get relaxedSimd() {
    return this.#engine.relaxedSimd;
  }

  /** The threads this learner's work is split over: 1 in the single-thread flavours, and in the
   * threads flavour the `threads` option (default: the cores, at most 4), or 1 when the engine's
   * worker pool had no workers left for it. Results are the same for any count. */
  get threads() {
    return this.#engine.c.thread_count(this.#live());
  }

  /** The configuration, camelCase (see createLearner). */
  get config() {
    const handle = this.#live();
    const engine = this.#engine;
    const config = newConfig(engine, 'webcam');
    try {
      this.#check(engine.c.get_config(handle, config));
      return readConfig(engine, config);
    } finally {
      engine.c.config_free(config);
    }
  }

  /** Changes the settings that may change between steps (memory, schedule, augmentation). */
  reconfigure(options) {
    this[SETTLE](options, true);
  }

  /** reconfigure(), and with mutableOnly false also the seed: a learner begun from a starter is
   * being created, so its seed is still the caller's to choose (the network's shape is not). */
  [SETTLE](options, mutableOnly) {
    const handle = this.#live();
    const engine = this.#engine;
    const config = newConfig(engine, 'webcam');
    try {
      this.#check(engine.c.get_config(handle, config));
      writeConfig(engine, config, options, mutableOnly);
      this.#check(engine.c.reconfigure(handle, config));
    } finally {
      engine.c.config_free(config);
    }
  }

  /** Class names in the order they were first added (trained, or only pending). */
  get classes() {
    return this.classDetails.map((entry) => entry.name);
  }

  /** Renames class `label` (trained or pending) to `newLabel`, which must not be in use. Throws
   * 'UNKNOWN_CLASS' for a label the learner does not have. */
  renameClass(label, newLabel) {
    const handle = this.#live();
    if (typeof newLabel !== 'string' || newLabel.length === 0) throw new IcarlError('INVALID_ARGUMENT', 'a class label must be a non-empty string');
    this.#check(this.#engine.c.rename_class(handle, String(label), newLabel));
  }

  /** Forgets class `label`: its exemplars, pending images, class mean and output go; the other
   * classes' predictions are unchanged. Throws 'UNKNOWN_CLASS' for a label it does not have. */
  removeClass(label) {
    const handle = this.#live();
    this.#check(this.#engine.c.remove_class(handle, String(label)));
  }

  /** Per class: {name, exemplars, pending, trained, threshold, typical} (threshold and typical:
   * the class's "unknown" calibration, see classify(); -Infinity and 1 when it has none). */
  get classDetails() {
    const handle = this.#live();
    const engine = this.#engine;
    const count = engine.c.class_count(handle);
    return engine.withScratch(5 * 8, (scratch) => {
      const details = [];
      for (let i = 0; i < count; i++) {
        const name = engine.c.class_name(handle, i);
        this.#check(engine.c.class_info(handle, i, scratch));
        const [exemplars, pending, trained, threshold, typical] = engine.HEAPF64.slice(scratch >> 3, (scratch >> 3) + 5);
        details.push({ name, exemplars, pending, trained: trained !== 0, threshold: shortestFloat32(threshold), typical: shortestFloat32(typical) });
      }
      return details;
    });
  }

  /** {capacity: K (total over all classes), used, perClass: {name: exemplars}, perClassLimit}. */
  get memory() {
    const handle = this.#live();
    const engine = this.#engine;
    const [capacity, used, perClassLimit] = engine.withScratch(12, (scratch) => {
      this.#check(engine.c.memory_info(handle, scratch));
      return Array.from(engine.HEAP32.subarray(scratch >> 2, (scratch >> 2) + 3));
    });
    const perClass = {};
    for (const entry of this.classDetails) perClass[entry.name] = entry.exemplars;
    return { capacity, used, perClass, perClassLimit };
  }

  /**
   * The exemplar images herding kept for class `label`, in priority order (the first is herding's
   * first pick), at most `limit` of them: [{width, height, channels, data}] at model size (HWC,
   * channels 1 or 3), copies. Throws code 'UNKNOWN_CLASS' for a label the learner does not have.
   */
  exemplarImages(label, limit = Infinity) {
    const handle = this.#live();
    const details = this.classDetails;
    const index = details.findIndex((entry) => entry.name === label);
    if (index < 0) throw new IcarlError('UNKNOWN_CLASS', `no class '${label}' in this learner`);
    if (!(limit >= 0)) throw new IcarlError('INVALID_ARGUMENT', 'limit must be a number >= 0');
    const { inputSize, channels } = this.config;
    const size = inputSize * inputSize * channels;
    const count = Math.min(details[index].exemplars, limit);
    const engine = this.#engine;
    return engine.withScratch(size, (pointer) => {
      const images = [];
      for (let rank = 0; rank < count; rank++) {
        this.#check(engine.c.exemplar_image(handle, index, rank, pointer, size));
        images.push({ width: inputSize, height: inputSize, channels, data: engine.HEAPU8.slice(pointer, pointer + size) });
      }
      return images;
    });
  }

  /**
   * Queues images for class `label` (new or known) for the next train(). `images` is one image
   * or an array of ImageData-like {width, height, data} (RGBA; RGB or grey by `channels` or data
   * length). All are checked and added together: on an error none is added.
   */
  addExamples(label, images) {
    const handle = this.#live();
    if (typeof label !== 'string' || label.length === 0) throw new IcarlError('INVALID_ARGUMENT', 'a class label must be a non-empty string');
    const list = Array.isArray(images) ? images : images && typeof images === 'object' && 'width' in images ? [images] : images ? Array.from(images) : [];
    if (list.length === 0) throw new IcarlError('INVALID_ARGUMENT', `no images given for class '${label}'`);
    const prepared = list.map((image, i) => normaliseImage(image, `image ${i + 1} of ${list.length}`));
    const engine = this.#engine;
    const blocks = [];
    try {
      for (const image of prepared) blocks.push(engine.copyIn(image.data));
      const pointers = engine.alloc(4 * prepared.length);
      blocks.push(pointers);
      const shapes = engine.alloc(12 * prepared.length);
      blocks.push(shapes);
      const heap = engine.HEAP32; // fresh: the allocations above may have grown memory
      prepared.forEach((image, i) => {
        heap[(pointers >> 2) + i] = blocks[i];
        heap[(shapes >> 2) + 3 * i] = image.width;
        heap[(shapes >> 2) + 3 * i + 1] = image.height;
        heap[(shapes >> 2) + 3 * i + 2] = image.channels;
      });
      this.#check(engine.c.add_examples(handle, label, pointers, shapes, prepared.length));
    } finally {
      for (const block of blocks) engine.c.free(block);
    }
  }

  /**
   * Runs one incremental step (paper Alg. 2) on the examples added since the last one, in slices
   * of about `sliceMilliseconds` (default 30) that yield to the event loop, so the page stays
   * responsive and `signal` can abort. `epochs` sets the learner's epochs setting first.
   * onProgress gets {phase, epoch, epochs, done, total, fraction, loss, learningRate, updates,
   * plannedUpdates, published, publishing} after every slice.
   *
   * Usable at once, better with time: with `publishAfterSeconds`, the step publishes what it has
   * learned so far once that much time has passed (and again every `publishEverySeconds`, when
   * given, unless the step's training is expected to end within a third of that: its end is a
   * publication too), then trains on; after each publication `onPublish({published, updates,
   * plannedUpdates, loss, seconds})` runs, and meanwhile classify() and save() see the
   * publication. The step's final learner is the same with or without publications.
   *
   * On abort (code 'ABORTED') or any error the learner is as its last publication left it, or
   * exactly as before when there was none (error.published says how many there were).
   * Resolves to {loss, seconds, published, updates, phaseSeconds: {targets, training, herding,
   * means}} (the engine's own per-phase time of the step; the rest of `seconds` is slicing and
   * yielding).
   */
  async train({ epochs, onProgress, signal, sliceMilliseconds = 30, unitsPerSlice, publishAfterSeconds, publishEverySeconds, onPublish } = {}) {
    const handle = this.#live();
    if (this.#training) throw new IcarlError('WRONG_STATE', 'a training step already runs on this learner');
    let published = 0;
    const stopped = (code, message, cause) => {
      const kept = published > 0 ? `the learner keeps the step's last publication (${published})` : 'the learner is unchanged';
      const error = new IcarlError(code, `${message}; ${kept}`, { cause });
      error.published = published;
      return error;
    };
    if (signal?.aborted) throw stopped('ABORTED', 'training was aborted', signal.reason);
    for (const [name, value] of [['publishAfterSeconds', publishAfterSeconds], ['publishEverySeconds', publishEverySeconds]]) {
      if (value !== undefined && !(typeof value === 'number' && value >= 0)) throw new IcarlError('INVALID_ARGUMENT', `${name} must be a number of seconds >= 0`);
    }
    if (epochs !== undefined) this.reconfigure({ epochs });
    const engine = this.#engine;
    this.#check(engine.c.step_begin(handle));
    this.#training = true;
    let stepRunning = true; // false once the engine has committed or dropped the step
    const started = now();
    let nextPublish = publishAfterSeconds === undefined ? Infinity : started + 1000 * publishAfterSeconds;
    let units = unitsPerSlice ?? 1;
    let lastLoss = NaN;
    let updates = 0;
    let plannedUpdates = 0;
    // Milliseconds per update, from the slices that only trained: what is left of the training.
    let trainingMilliseconds = 0;
    let trainedUpdates = 0;
    const trainingLeft = () => (trainedUpdates > 0 ? (trainingMilliseconds / trainedUpdates) * (plannedUpdates - updates) : Infinity);
    const progressBlock = engine.alloc(11 * 8);
    try {
      for (;;) {
        if (now() >= nextPublish) {
          // A later publication costs herding and means again: not worth it when the step's own
          // end, a publication too, comes within a third of the interval anyway.
          if (published === 0 || trainingLeft() > (1000 * publishEverySeconds) / 3) this.#check(engine.c.step_publish(handle));
          nextPublish = publishEverySeconds === undefined ? Infinity : now() + 1000 * publishEverySeconds;
        }
        const sliceStart = now();
        const status = engine.c.step_continue(handle, units, progressBlock);
        if (status !== 0) stepRunning = false; // the engine drops a step that fails (diverged)
        this.#check(status);
        const sliceTime = now() - sliceStart;
        const f = engine.HEAPF64.subarray(progressBlock >> 3, (progressBlock >> 3) + 11);
        const progress = {
          phase: engine.phaseNames[f[0]] ?? String(f[0]),
          epoch: f[1],
          epochs: f[2],
          done: f[3],
          total: f[4],
          fraction: f[4] > 0 ? f[3] / f[4] : 0,
          loss: f[5],
          learningRate: f[6],
          updates: f[7],
          plannedUpdates: f[8],
          published: f[9],
          publishing: f[10] !== 0,
        };
        if (progress.phase === 'training' && !progress.publishing && progress.updates > updates) {
          trainingMilliseconds += sliceTime;
          trainedUpdates += progress.updates - updates;
        }
        updates = progress.updates;
        plannedUpdates = progress.plannedUpdates;
        if (progress.phase === 'done') stepRunning = false; // committed
        if (progress.phase === 'training') lastLoss = progress.loss;
        const newlyPublished = progress.phase !== 'done' && progress.published > published;
        published = progress.published;
        if (onProgress) onProgress(progress); // a throw cancels the step below
        if (newlyPublished && onPublish) {
          onPublish({ published, updates, plannedUpdates: progress.plannedUpdates, loss: lastLoss, seconds: (now() - started) / 1000 });
        }
        if (progress.phase === 'done') break;
        // Adapt the slice so each takes about sliceMilliseconds, whatever a unit costs.
        if (unitsPerSlice === undefined && sliceTime > 0) {
          const perUnit = sliceTime / units;
          units = Math.max(1, Math.min(units * 2, Math.round(sliceMilliseconds / perUnit)));
        }
        await yieldToEventLoop();
        if (!this.#handle) throw new IcarlError('DISPOSED', 'the learner was disposed during training');
        if (signal?.aborted) throw stopped('ABORTED', 'training was aborted', signal.reason);
      }
      const seconds = (now() - started) / 1000;
      const phaseSeconds = engine.withScratch(8 * engine.phaseNames.length, (block) => {
        this.#check(engine.c.step_phase_seconds(handle, block));
        const f = engine.HEAPF64;
        return { targets: f[(block >> 3) + 1], training: f[(block >> 3) + 2], herding: f[(block >> 3) + 3], means: f[(block >> 3) + 4] };
      });
      return { loss: lastLoss, seconds, published, updates, phaseSeconds };
    } catch (error) {
      // An abort, a throwing onProgress or dispose() leave a step running: drop it, so the
      // learner is as its last publication left it, or as before train().
      if (stepRunning && this.#handle) engine.c.step_cancel(this.#handle);
      throw error;
    } finally {
      this.#training = false;
      engine.c.free(progressBlock);
    }
  }

  /**
   * Classifies one image of any size by the nearest mean of exemplars. Returns {label, index,
   * score, unknown, confidence, scores: [{label, score}] best first (cosine similarities),
   * cnnScores: [{label, score}] best first (the network's own outputs)}. Only trained classes
   * are scored. `unknown` is true when the image resembles none of the trained classes (its
   * similarity with the nearest mean is below that class's threshold, calibrated at every step
   * from augmented views of the class's exemplars); `label` is still the nearest class.
   * `confidence` is 0 at that threshold and 1 at the class's typical similarity.
   */
  classify(image) {
    const handle = this.#live();
    const { width, height, channels, data } = normaliseImage(image, 'the image');
    const engine = this.#engine;
    const details = this.classDetails; // first: it allocates, which could detach heap views
    const count = details.length;
    const pixels = engine.copyIn(data);
    try {
      return engine.withScratch(24 + 12 * count, (scratch) => {
        const nme = scratch + 24;
        const confidences = nme + 4 * count;
        const cnn = confidences + 4 * count;
        this.#check(engine.c.classify(handle, pixels, width, height, channels, scratch, nme, confidences, cnn));
        const f32 = engine.HEAPF32;
        const [index, unknown, , confidence, threshold] = f32.subarray(scratch >> 2, (scratch >> 2) + 5);
        const scores = [];
        const cnnScores = [];
        for (let i = 0; i < count; i++) {
          if (!details[i].trained) continue;
          const score = f32[(nme >> 2) + i];
          scores.push({ label: details[i].name, score, confidence: f32[(confidences >> 2) + i] });
          cnnScores.push({ label: details[i].name, score: f32[(cnn >> 2) + i] });
        }
        scores.sort((x, y) => y.score - x.score);
        cnnScores.sort((x, y) => y.score - x.score);
        const label = details[index]?.name ?? null;
        return { label, index, score: f32[(nme >> 2) + index], unknown: unknown !== 0, confidence, threshold, scores, cnnScores };
      });
    } finally {
      engine.c.free(pixels);
    }
  }

  /**
   * Classifies `count` images already at model size (inputSize^2 * channels bytes each, HWC,
   * concatenated), batched. Returns {nme, cnn}: Int32Arrays of class indices into `classes`.
   */
  classifyPrepared(pixels, count) {
    const handle = this.#live();
    const bytes = toBytes(pixels, 'pixels');
    const engine = this.#engine;
    if (!Number.isInteger(count) || count < 0) throw new IcarlError('INVALID_ARGUMENT', 'count must be a whole number >= 0');
    const { inputSize, channels } = this.config;
    const needed = count * inputSize * inputSize * channels;
    if (bytes.length < needed) {
      throw new IcarlError('INVALID_ARGUMENT', `${count} images of ${inputSize}x${inputSize}x${channels} need ${needed} bytes, got ${bytes.length}`);
    }
    const input = engine.copyIn(bytes);
    try {
      return engine.withScratch(8 * count, (labels) => {
        this.#check(engine.c.classify_prepared(handle, input, count, labels, labels + 4 * count));
        const heap = engine.HEAP32;
        return { nme: heap.slice(labels >> 2, (labels >> 2) + count), cnn: heap.slice((labels >> 2) + count, (labels >> 2) + 2 * count) };
      });
    } finally {
      engine.c.free(input);
    }
  }

  /** The whole learner as checkpoint bytes (docs/design.md 5.5), the same format as native files. */
  save() {
    const handle = this.#live();
    const engine = this.#engine;
    return engine.withScratch(8, (scratch) => {
      this.#check(engine.c.save(handle, scratch, scratch + 4));
      const pointer = engine.HEAPU32[scratch >> 2];
      const size = engine.HEAPU32[(scratch + 4) >> 2];
      try {
        return engine.HEAPU8.slice(pointer, pointer + size);
      } finally {
        engine.c.free(pointer);
      }
    });
  }

  /** Frees the C learner (cancelling a running step). Later calls throw code 'DISPOSED';
   * disposing twice is harmless. */
  dispose() {
    if (!this.#handle) return;
    this.#engine.c.destroy(this.#handle);
    this.#handle = 0;
  }

  get disposed() {
    return !this.#handle;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Learner.prototype[Symbol.dispose] = Learner.prototype.dispose;
}

const MESSAGE_SIZE = 512;

/**
 * Creates an empty learner. Options (all optional): preset ('webcam', the default: 32x32x3, or
 * 'fashion-mnist': 28x28x1, ResNet-20), then any configuration field by its camelCase name
 * (inputSize, channels, blocksPerStage, baseWidth, memory (K, exemplars in total over all
 * classes), method, loss, temperature, epochs, batchSize, learningRate, momentum, weightDecay,
 * decayAt, decayFactor, cropPadding, flip, brightness, meanWithFlip, seed (number or BigInt),
 * threads (0..8: threads for the threads flavour, 1 = single-thread, 0 = the default, the cores
 * at most 4; ignored by the other flavours); `engine.configFields` lists them with their ranges),
 * and engine ('auto' | 'simd-threads' | 'simd' | 'scalar'), relaxedSimd, wasmBinary, wasmUrl.
 * With `starter` (the bytes of a checkpoint without classes, such as the page's starter.icarl:
 * a network trained beforehand on other objects) the learner begins with that network and its
 * settings; the other options then change settings as reconfigure() does, and the input size
 * too (not the preset or the network's depth, width or channels).
 */
export async function createLearner(options = {}) {
  if (options.starter !== undefined) return startLearner(options);
  const engine = await loadEngine({ flavour: options.engine, relaxedSimd: options.relaxedSimd, wasmBinary: options.wasmBinary, wasmUrl: options.wasmUrl });
  const config = newConfig(engine, options.preset);
  try {
    writeConfig(engine, config, options, false);
    return engine.withScratch(4 + MESSAGE_SIZE, (scratch) => {
      const message = scratch + 4;
      engine.HEAPU8[message] = 0;
      const status = engine.c.create(config, scratch, message, MESSAGE_SIZE);
      engine.check(status, status ? engine.readString(message) : '');
      return new Learner(engine, engine.HEAPU32[scratch >> 2]);
    });
  } finally {
    engine.c.config_free(config);
  }
}

async function startLearner({ starter, preset, engine, relaxedSimd, wasmBinary, wasmUrl, threads, ...settings }) {
  if (preset !== undefined) throw new IcarlError('INVALID_ARGUMENT', 'a learner with a starter takes the starter\'s network: no preset');
  const learner = await loadLearner(starter, { engine, relaxedSimd, wasmBinary, wasmUrl, threads });
  try {
    if (learner.classes.length > 0) {
      throw new IcarlError('INVALID_ARGUMENT', `a starter has no classes; this checkpoint has ${learner.classes.length} (load it with loadLearner to go on teaching it)`);
    }
    if (Object.keys(settings).length > 0) learner[SETTLE](settings, false);
    return learner;
  } catch (error) {
    learner.dispose();
    throw error;
  }
}

/** Loads a learner from checkpoint bytes (Uint8Array or ArrayBuffer) made by save() or by the
 * native tool. A truncated, corrupt or foreign file throws ('TRUNCATED', 'CORRUPT',
 * 'NOT_A_CHECKPOINT', 'UNSUPPORTED_VERSION'). Options: engine, relaxedSimd, threads, wasmBinary,
 * wasmUrl. */
export async function loadLearner(bytes, options = {}) {
  const source = toBytes(bytes, 'checkpoint bytes');
  const { engine: flavour, relaxedSimd, wasmBinary, wasmUrl, threads, ...rest } = options;
  const unknown = Object.keys(rest).find((key) => rest[key] !== undefined);
  if (unknown) throw new IcarlError('INVALID_ARGUMENT', `unknown option '${unknown}' (a loaded learner's settings change with reconfigure())`);
  const engine = await loadEngine({ flavour, relaxedSimd, wasmBinary, wasmUrl });
  const input = engine.copyIn(source);
  let learner;
  try {
    learner = engine.withScratch(4 + MESSAGE_SIZE, (scratch) => {
      const message = scratch + 4;
      engine.HEAPU8[message] = 0;
      engine.HEAPU32[scratch >> 2] = 0;
      const status = engine.c.load(input, source.length, scratch, message, MESSAGE_SIZE);
      if (status !== 0) {
        const detail = engine.readString(message);
        const partial = engine.HEAPU32[scratch >> 2];
        if (partial) engine.c.destroy(partial);
        engine.check(status, detail);
      }
      return new Learner(engine, engine.HEAPU32[scratch >> 2]);
    });
  } finally {
    engine.c.free(input);
  }
  // Threads are a property of the machine, not of the checkpoint: a loaded learner starts with
  // the default and takes the caller's count here.
  if (threads !== undefined) {
    try {
      learner.reconfigure({ threads });
    } catch (error) {
      learner.dispose();
      throw error;
    }
  }
  return learner;
}
