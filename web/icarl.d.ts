// icarl.d.ts - TypeScript declarations for web/icarl.js, the JavaScript API of icarl-wasm
// (docs/design.md). Types only; the behaviour is documented in icarl.js. Every name list here
// (statuses, methods, losses, phases, presets, configuration fields) is checked against the
// engine's own tables by tests/node/api-names.test.mjs.

/** Status names of the C engine (enum icarl_status), in order. */
export type EngineStatusCode =
  | 'OK'
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_MEMORY'
  | 'IO'
  | 'NOT_A_CHECKPOINT'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'CORRUPT'
  | 'DECODE'
  | 'NO_CLASSES'
  | 'NOTHING_TO_TRAIN'
  | 'UNKNOWN_CLASS'
  | 'WRONG_STATE'
  | 'CANCELLED'
  | 'DIVERGED'
  | 'LIMIT';

/** Every `code` an IcarlError may carry: the engine's statuses and the JS-side ones. */
export type IcarlErrorCode =
  | Exclude<EngineStatusCode, 'OK'>
  /** the learner was disposed before this call */
  | 'DISPOSED'
  /** train() was stopped by its AbortSignal; the learner is unchanged */
  | 'ABORTED'
  /** the engine files are missing or cannot be instantiated here */
  | 'ENGINE_UNAVAILABLE';

export class IcarlError extends Error {
  constructor(code: IcarlErrorCode | string, message: string, options?: { cause?: unknown });
  readonly name: 'IcarlError';
  readonly code: IcarlErrorCode;
  /** for engine errors: the engine's detail message alone ('' when it gave none) */
  readonly detail?: string;
  /** for a stopped train(): how many publications the learner kept (0: it is as before) */
  readonly published?: number;
}

/** An ImageData-like image of any size. `data` holds width*height*channels bytes, rows top to
 * bottom; channels is 4 (RGBA, alpha ignored), 3 (RGB) or 1 (grey), taken from `channels` or
 * else from the data length. A browser ImageData fits as it is. */
export interface ImageLike {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | ArrayBuffer | ArrayBufferView | ArrayLike<number>;
  channels?: 1 | 3 | 4;
}

export type Method = 'icarl' | 'lwf' | 'finetune' | 'fixed' | 'replay';
export type Loss = 'sigmoid' | 'softmax-kd';
export type Schedule = 'epochs' | 'updates';
export type EngineFlavour = 'simd-threads' | 'simd' | 'scalar';
export type Preset = 'fashion-mnist' | 'webcam';

/** Everything that defines a learner (icarl_config), camelCase. */
export interface LearnerConfig {
  /** side of the square model input in pixels (4..256); fixed at creation */
  inputSize: number;
  /** 1 (grey) or 3 (RGB); fixed at creation */
  channels: 1 | 3;
  /** n of the 6n+2 ResNet (3 = ResNet-20, 5 = ResNet-32); fixed at creation */
  blocksPerStage: number;
  /** channels of the first stage (stages use w, 2w, 4w); fixed at creation */
  baseWidth: number;
  /** K: exemplars kept in total over all classes (not per class) */
  memory: number;
  /** an image's centre square is cut to this fraction of its side (0.25..1) before it is resized
   * to inputSize: the middle of a webcam frame, where the object is held, with less of the room
   * (1; the page's starter 0.85); changes only before the first class */
  centreCrop: number;
  method: Method;
  loss: Loss;
  /** T of the 'softmax-kd' loss */
  temperature: number;
  /** epochs per incremental step */
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** share of each training batch in BatchNorm's running averages (0.1; the page's starter 0.02:
   * a short step keeps more of the statistics learned over many rooms) */
  batchnormMomentum: number;
  /** fractions of the epochs where the learning rate is divided by decayFactor ('epochs' schedule) */
  decayAt: [number, number];
  decayFactor: number;
  /** 'epochs': `epochs` passes with the rate divided at decayAt (the benchmark's); 'updates':
   * epochs x batches SGD updates but at least minUpdates and at most maxUpdates, a linear
   * warm-up then a cosine decay, and an early stop once the loss has converged */
  schedule: Schedule;
  /** 'updates' schedule: the fewest SGD updates a step makes */
  minUpdates: number;
  /** 'updates' schedule: the most (0 = no cap) */
  maxUpdates: number;
  /** 'updates' schedule: fraction of the updates over which the rate rises (0..0.5) */
  warmup: number;
  /** 'updates' schedule: after minUpdates, stop once this many windows of updates in a row have
   * not lowered the loss by 1% (0 = never stop early) */
  patience: number;
  /** augmentation: random crop after zero padding by this many pixels */
  cropPadding: number;
  /** augmentation: random horizontal flips */
  flip: boolean;
  /** augmentation: brightness jitter, +- fraction of full scale */
  brightness: number;
  /** augmentation (0 = off): a random resized crop keeping (1 - zoom)..1 of the image's area */
  zoom: number;
  /** augmentation (0 = off): random rotation up to +- this many degrees (0..45) */
  rotation: number;
  /** augmentation (0 = off): contrast jitter, deviations from the mean grey x (1 +- contrast) */
  contrast: number;
  /** augmentation (0 = off): saturation jitter, deviations from each pixel's grey x (1 +- it) */
  saturation: number;
  /** augmentation (0 = off): probability of a slight blur */
  blur: number;
  /** augmentation (0 = off): pixel noise, standard deviation up to this fraction of full scale */
  noise: number;
  /** class means also average horizontally flipped exemplars */
  meanWithFlip: boolean;
  /** fixes everything random; a BigInt when above Number.MAX_SAFE_INTEGER */
  seed: number | bigint;
  /** threads for the learner in the 'simd-threads' flavour, 0..8 (0 = the default: the cores,
   * at most 4; 1 = single-thread); the other flavours always run one. Results never depend on
   * it; not saved in checkpoints (a property of the machine, not of the model). */
  threads: number;
}

export interface EngineOptions {
  /** 'auto' (default): 'simd-threads' where threadsSupported() (Node; cross-origin isolated
   * pages), else 'simd' where WebAssembly.validate accepts a SIMD probe, else 'scalar' */
  engine?: EngineFlavour | 'auto';
  /** whether the SIMD flavours run their relaxed-SIMD kernels (fused multiply-adds); default
   * relaxedSimdSupported(); true where it is false rejects with 'ENGINE_UNAVAILABLE' */
  relaxedSimd?: boolean;
  /** the .wasm bytes of that flavour, to skip fetching or reading them */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** where to fetch that flavour's .wasm (default: beside icarl.js); served as application/wasm
   * it compiles while downloading, otherwise from the downloaded bytes */
  wasmUrl?: string | URL;
}

export interface CreateLearnerOptions extends Partial<LearnerConfig>, EngineOptions {
  /** base settings before the other options apply: 'webcam' (default; 32x32x3, the page's
   * network) or 'fashion-mnist' (28x28x1, ResNet-20, the benchmark's schedule) */
  preset?: Preset;
  /** the bytes of a checkpoint without classes (the page's starter.icarl: a network trained
   * beforehand on other objects): the learner begins with its network and settings, which the
   * other options then change (not preset nor the network's depth, width or channels; inputSize
   * may change, the weights do not depend on it) */
  starter?: Uint8Array | ArrayBuffer | ArrayBufferView;
}

export interface LoadLearnerOptions extends EngineOptions {
  /** as LearnerConfig.threads: threads are not in the checkpoint, so a loaded learner takes them
   * here (or later from reconfigure) */
  threads?: number;
}

/** The settings reconfigure() may change between steps. */
export type MutableConfig = Omit<LearnerConfig, 'inputSize' | 'channels' | 'blocksPerStage' | 'baseWidth' | 'seed'>;

export type Phase = 'idle' | 'targets' | 'training' | 'herding' | 'means' | 'done';

export interface TrainProgress {
  phase: Phase;
  /** 1-based while training */
  epoch: number;
  epochs: number;
  /** work units finished in the whole step (about one minibatch each) */
  done: number;
  total: number;
  /** done / total, 0..1 */
  fraction: number;
  /** mean training loss of the current epoch so far */
  loss: number;
  learningRate: number;
  /** SGD updates made so far, and how many the schedule plans (the step may stop earlier) */
  updates: number;
  plannedUpdates: number;
  /** publications so far (see TrainOptions.publishAfterSeconds) */
  published: number;
  /** true while herding and class means run for a publication in the middle of the step */
  publishing: boolean;
}

export interface Publication {
  /** publications so far, this one included */
  published: number;
  updates: number;
  plannedUpdates: number;
  /** mean training loss of the current epoch */
  loss: number;
  /** since train() began */
  seconds: number;
}

export interface TrainOptions {
  /** sets the learner's epochs setting before the step */
  epochs?: number;
  /** called after every slice; throwing from it cancels the step */
  onProgress?: (progress: TrainProgress) => void;
  /** aborting rejects with code 'ABORTED' and leaves the learner as it was */
  signal?: AbortSignal;
  /** target duration of one slice between yields to the event loop (default 30) */
  sliceMilliseconds?: number;
  /** a fixed number of work units per slice instead of the adaptive choice */
  unitsPerSlice?: number;
  /** publish what the step has learned so far once this many seconds have passed: the learner
   * then classifies and saves with it while the step trains on */
  publishAfterSeconds?: number;
  /** and again every this many seconds after that, unless the step's training is expected to end
   * within a third of it (the step's end is a publication too, and each costs herding and means) */
  publishEverySeconds?: number;
  /** called after each publication in the middle of the step (not for the final one) */
  onPublish?: (publication: Publication) => void;
}

export interface TrainResult {
  /** mean loss of the last epoch */
  loss: number;
  seconds: number;
  /** publications, the final one included */
  published: number;
  /** SGD updates the step made */
  updates: number;
  /** the engine's own time in each phase of the step (the rest of `seconds` is slicing and
   * yielding to the event loop) */
  phaseSeconds: { targets: number; training: number; herding: number; means: number };
}

export interface Score {
  label: string;
  score: number;
  /** for nearest-mean scores: 0 at the class's unknown threshold, 1 at its typical similarity */
  confidence?: number;
}

export interface Classification {
  /** the nearest-mean-of-exemplars class */
  label: string;
  /** its index in learner.classes */
  index: number;
  /** its cosine similarity with the image's feature */
  score: number;
  /** true when the image resembles none of the trained classes: `score` is below the class's
   * threshold, calibrated at every step from augmented views of the class's exemplars (label
   * is still the nearest class) */
  unknown: boolean;
  /** 0 at that threshold, 1 at the class's typical similarity: how sure the answer is */
  confidence: number;
  /** the label's threshold (-Infinity when it flags nothing) */
  threshold: number;
  /** per trained class, cosine similarity with the class mean, best first */
  scores: Score[];
  /** per trained class, the network's own output (sigmoid, or softmax for 'softmax-kd'), best first */
  cnnScores: Score[];
}

export interface ClassDetail {
  name: string;
  /** images kept in memory for this class */
  exemplars: number;
  /** images added since the last step */
  pending: number;
  /** a step has learned this class */
  trained: boolean;
  /** its "unknown" threshold (see Classification.unknown); -Infinity when it flags nothing */
  threshold: number;
  /** its typical similarity, where confidence reaches 1 */
  typical: number;
}

export interface MemoryInfo {
  /** K, the total over all classes */
  capacity: number;
  /** exemplars kept over all classes */
  used: number;
  /** exemplars kept per class name */
  perClass: Record<string, number>;
  /** m = floor(K / trained classes) after the last step, 0 before */
  perClassLimit: number;
}

export class Learner {
  private constructor();
  /** which engine build runs this learner */
  readonly engineFlavour: EngineFlavour;
  /** true when that build runs the relaxed-SIMD kernels */
  readonly relaxedSimd: boolean;
  /** threads this learner's work is split over (1 outside 'simd-threads', or when the engine's
   * worker pool had none left) */
  readonly threads: number;
  readonly config: LearnerConfig;
  /** class names in the order first added (trained or only pending) */
  readonly classes: string[];
  readonly classDetails: ClassDetail[];
  readonly memory: MemoryInfo;
  readonly disposed: boolean;
  /** the exemplars herding kept for `label`, priority order, at most `limit` (model size, HWC);
   * throws code 'UNKNOWN_CLASS' for an unknown label */
  exemplarImages(label: string, limit?: number): DecodedImage[];
  reconfigure(options: Partial<MutableConfig>): void;
  /** renames class `label` (trained or pending); `newLabel` must not be in use; throws code
   * 'UNKNOWN_CLASS' for an unknown label */
  renameClass(label: string, newLabel: string): void;
  /** forgets class `label`: its exemplars, pending images, class mean and output go; the other
   * classes' predictions are unchanged; throws code 'UNKNOWN_CLASS' for an unknown label */
  removeClass(label: string): void;
  /** queues images for `label` for the next train(); all or none are added */
  addExamples(label: string, images: ImageLike | Iterable<ImageLike>): void;
  /** one incremental step over the examples added since the last one */
  train(options?: TrainOptions): Promise<TrainResult>;
  /** throws code 'NO_CLASSES' before the first step */
  classify(image: ImageLike): Classification;
  /** batched classification of `count` images already at model size (HWC, concatenated) */
  classifyPrepared(pixels: Uint8Array | ArrayBuffer, count: number): { nme: Int32Array; cnn: Int32Array };
  /** the checkpoint bytes (the same format as native files) */
  save(): Uint8Array;
  /** frees the engine memory; later calls throw code 'DISPOSED'. Where the runtime defines
   * Symbol.dispose, the learner also has [Symbol.dispose] (`using learner = ...`); it is not
   * declared here so that TypeScript before 5.2 accepts this file. */
  dispose(): void;
}

export function createLearner(options?: CreateLearnerOptions): Promise<Learner>;
export function loadLearner(bytes: Uint8Array | ArrayBuffer | ArrayBufferView, options?: LoadLearnerOptions): Promise<Learner>;

/** true where WebAssembly SIMD (simd128) is available */
export function simdSupported(): boolean;

/** true where WebAssembly relaxed SIMD is available (Chromium; Node 20 with
 * --experimental-wasm-relaxed-simd): the SIMD flavours then run fused multiply-add kernels */
export function relaxedSimdSupported(): boolean;

/** true where the 'simd-threads' flavour can run: SIMD, shared memory and workers (Node 20; in a
 * browser only when crossOriginIsolated) */
export function threadsSupported(): boolean;

/** the flavour engine 'auto' loads here: 'simd-threads' where threadsSupported(), else 'simd'
 * where simdSupported(), else 'scalar'; with `{threads: false}` the best single-thread one
 * ('simd', else 'scalar'), e.g. for a page's main thread while its worker trains on 'auto' */
export function autoFlavour(options?: { threads?: boolean }): EngineFlavour;

export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** One field of the engine's configuration table, as an option of createLearner/reconfigure. */
export interface ConfigField {
  /** the C member's name, e.g. 'learning_rate' (an array's elements: 'decay_at_0', ...) */
  name: string;
  /** the option's name, e.g. 'learningRate' */
  key: keyof LearnerConfig;
  kind: 'int' | 'float' | 'bool' | 'choice' | 'seed';
  minimum: number;
  maximum: number;
  /** fixed when the learner is created */
  architecture: boolean;
  /** kept in checkpoints */
  saved: boolean;
  /** a 'choice' field's values, by number */
  choices: string[] | null;
  /** for an array option (decayAt): one field per element */
  elements?: ConfigField[];
}

/** Low-level access to one instantiated engine, for tools, tests and benchmarks. */
export class Engine {
  private constructor();
  readonly flavour: EngineFlavour;
  /** icarl_status names by value */
  readonly statusNames: readonly EngineStatusCode[];
  /** icarl_phase names by value */
  readonly phaseNames: readonly Phase[];
  /** preset names by value */
  readonly presetNames: readonly Preset[];
  /** the configuration's fields in the engine's order */
  readonly configFields: readonly ConfigField[];
  /** true when the heap is a SharedArrayBuffer (the 'simd-threads' flavour) */
  readonly sharedMemory: boolean;
  /** the Emscripten module */
  readonly module: unknown;
  /** the wrapped C functions by name (without the icarl_wasm_ prefix) */
  readonly c: Record<string, (...args: Array<number | string | null>) => number | string | null | void>;
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  readonly HEAPU32: Uint32Array;
  readonly HEAPF32: Float32Array;
  readonly HEAPF64: Float64Array;
  /** PNG/JPEG/BMP bytes to pixels with the engine's stb_image */
  decodeImage(bytes: Uint8Array | ArrayBuffer, channels?: 1 | 3): DecodedImage;
  check(status: number, detail?: string): void;
}

export function loadEngine(options?: { flavour?: EngineFlavour | 'auto'; wasmBinary?: ArrayBuffer | Uint8Array; wasmUrl?: string | URL }): Promise<Engine>;
