// experiment.js - the class-incremental protocol of docs/design.md section 5.6 on a small Fashion-MNIST
// subset, for the page's Experiment mode: iCaRL and finetuning learn the same stream of classes
// (2 per step), step by step, and after each step both are tested on every class seen so far.
// No DOM here: the page's worker runs it, and Node tests can run it too. The results are plain
// data (accuracies, per-class accuracies, the iCaRL confusion matrix, a few exemplar images) that
// the page draws.
//
// The subset file (build-scripts/make-fashion-subset.mjs): optionally gzip, then "FMSUBSET",
// u32 LE header length, JSON {version, side, classes, train, test}, then training and test images
// class by class, side*side grey bytes each.

const MAGIC = 'FMSUBSET';

/** The two methods the page compares, and how each classifies (the paper's comparison). */
export const METHODS = {
  icarl: { label: 'iCaRL', classifier: 'nme' },       // exemplars + distillation, nearest mean
  finetune: { label: 'Finetuning', classifier: 'cnn' }, // neither: the network's own outputs
};

/** The settings the page uses unless the URL overrides them (section "Experiment mode" of README). */
export const DEFAULTS = {
  train: 200,           // training images per class (at most what the file holds)
  test: 100,            // test images per class
  classesPerStep: 2,
  epochs: 6,
  memory: 400,          // K in total: m = 200 per class after step 1, 40 after step 5
  blocksPerStage: 1,    // ResNet-8: 3 stages of one basic block
  batchSize: 32,
  learningRate: 0.05,
  seed: 1,
  exemplarsShown: 6,    // per class, for the page
};

/** Undoes gzip when the bytes start with its magic (a static host may or may not have done it). */
export async function maybeGunzip(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b) return data;
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Parses (already decompressed) subset bytes into {side, classes, train, test, trainPixels,
 * testPixels}; throws a clear Error on anything else. */
export function parseSubset(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const text = new TextDecoder();
  if (data.length < 12 || text.decode(data.subarray(0, 8)) !== MAGIC) throw new Error('not a Fashion-MNIST subset file (no FMSUBSET magic)');
  const headerLength = new DataView(data.buffer, data.byteOffset + 8, 4).getUint32(0, true);
  if (12 + headerLength > data.length) throw new Error('the subset file is truncated (header)');
  let header;
  try {
    header = JSON.parse(text.decode(data.subarray(12, 12 + headerLength)));
  } catch {
    throw new Error('the subset file has a damaged header');
  }
  const { version, side, classes, train, test } = header;
  if (version !== 1 || !(side > 0) || !Array.isArray(classes) || !(train > 0) || !(test > 0)) throw new Error('the subset file has an unknown header');
  const size = side * side;
  const start = 12 + headerLength;
  const trainBytes = classes.length * train * size;
  const testBytes = classes.length * test * size;
  if (data.length < start + trainBytes + testBytes) throw new Error('the subset file is truncated (images)');
  return {
    side, classes, train, test,
    trainPixels: data.subarray(start, start + trainBytes),
    testPixels: data.subarray(start + trainBytes, start + trainBytes + testBytes),
  };
}

/** Class-by-class image access: image i of class c, of the training or test part. */
function imageOf(subset, part, c, i) {
  const size = subset.side * subset.side;
  const perClass = part === 'train' ? subset.train : subset.test;
  const pixels = part === 'train' ? subset.trainPixels : subset.testPixels;
  const at = (c * perClass + i) * size;
  return pixels.subarray(at, at + size);
}

/**
 * Average forgetting after step `step` from per-class accuracy histories (history[s][c] is
 * class c's accuracy after step s, undefined before c was seen): the mean over classes learned
 * in an earlier step of (best accuracy before this step - accuracy now). null at the first step.
 */
export function forgetting(history, step, newClasses) {
  const now = history[step];
  const drops = [];
  for (const c of Object.keys(now).map(Number)) {
    if (newClasses.includes(c)) continue;
    let best = -Infinity;
    for (let s = 0; s < step; s++) if (history[s][c] !== undefined) best = Math.max(best, history[s][c]);
    if (best > -Infinity) drops.push(best - now[c]);
  }
  return drops.length ? drops.reduce((a, b) => a + b, 0) / drops.length : null;
}

/** The classes of each step in natural order: [[0, 1], [2, 3], ...]. */
export function schedule(classCount, classesPerStep) {
  const steps = [];
  for (let c = 0; c < classCount; c += classesPerStep) steps.push(Array.from({ length: Math.min(classesPerStep, classCount - c) }, (_, k) => c + k));
  return steps;
}

/**
 * Runs the protocol. options: the DEFAULTS keys (train and test are capped at what the subset
 * holds), methods (default ['icarl', 'finetune']), createLearner (icarl.js's), engine, signal.
 * onProgress({fraction, step, steps, method, phase, epoch, epochs}) is called often;
 * onResult(result) after each method's step, with result = {step, steps, method, classes (names
 * seen), newClasses (indices), accuracy, perClass: {classIndex: accuracy}, confusion (rows: true
 * class, columns: predicted, over the classes seen), forgetting, seconds, cnnAccuracy (iCaRL's
 * network outputs, for reference), exemplars: [{classIndex, images: [Uint8Array]}] (iCaRL)}.
 * Resolves to {results, seconds, flavour (the engine build)}. An abort rejects with the learner's 'ABORTED' error.
 */
export async function runExperiment(subset, options, { createLearner, onProgress = () => {}, onResult = () => {}, signal } = {}) {
  const o = { ...DEFAULTS, ...options };
  const train = Math.min(o.train, subset.train);
  const test = Math.min(o.test, subset.test);
  const methods = o.methods ?? ['icarl', 'finetune'];
  const steps = schedule(subset.classes.length, o.classesPerStep);
  const size = subset.side * subset.side;
  const started = performance.now();

  // Progress weights: training images x epochs per (step, method); exemplars add to iCaRL's.
  const weights = steps.map((newClasses, s) => methods.map((method) => {
    const old = steps.slice(0, s).flat().length;
    const kept = method === 'icarl' ? Math.min(o.memory, old * train) : 0;
    return (newClasses.length * train + kept) * o.epochs;
  }));
  const total = weights.flat().reduce((a, b) => a + b, 0);
  let finished = 0;

  const learners = {};
  let flavour = null;
  const histories = Object.fromEntries(methods.map((m) => [m, []]));
  const results = [];
  try {
    for (const method of methods) {
      learners[method] = await createLearner({
        preset: 'fashion-mnist', inputSize: subset.side, channels: 1, engine: o.engine, method, memory: o.memory, epochs: o.epochs,
        blocksPerStage: o.blocksPerStage, batchSize: o.batchSize, learningRate: o.learningRate, seed: o.seed,
      });
      flavour = learners[method].engineFlavour;
    }
    for (const [s, newClasses] of steps.entries()) {
      const seen = steps.slice(0, s + 1).flat();
      // The test images of every class seen so far, once for both methods.
      const testPixels = new Uint8Array(seen.length * test * size);
      seen.forEach((c, k) => {
        for (let i = 0; i < test; i++) testPixels.set(imageOf(subset, 'test', c, i), (k * test + i) * size);
      });
      for (const [m, method] of methods.entries()) {
        const learner = learners[method];
        const stepStarted = performance.now();
        for (const c of newClasses) {
          const images = [];
          for (let i = 0; i < train; i++) images.push({ width: subset.side, height: subset.side, channels: 1, data: imageOf(subset, 'train', c, i) });
          learner.addExamples(subset.classes[c], images);
        }
        const weight = weights[s][m];
        await learner.train({
          signal,
          onProgress: (p) => onProgress({
            fraction: (finished + weight * p.fraction) / total, step: s, steps: steps.length, method,
            phase: p.phase, epoch: p.epoch, epochs: p.epochs,
          }),
        });
        finished += weight;
        const labels = learner.classifyPrepared(testPixels, seen.length * test);
        // Learner class index k is seen[k]: classes were added in the schedule's order.
        const predicted = METHODS[method].classifier === 'nme' ? labels.nme : labels.cnn;
        const confusion = seen.map(() => new Array(seen.length).fill(0));
        let correct = 0;
        let cnnCorrect = 0;
        for (let k = 0; k < seen.length; k++) {
          for (let i = 0; i < test; i++) {
            const j = k * test + i;
            const p = predicted[j];
            if (p >= 0 && p < seen.length) confusion[k][p]++;
            if (p === k) correct++;
            if (labels.cnn[j] === k) cnnCorrect++;
          }
        }
        const perClass = {};
        seen.forEach((c, k) => { perClass[c] = confusion[k][k] / test; });
        histories[method][s] = perClass;
        const result = {
          step: s, steps: steps.length, method, classes: seen.map((c) => subset.classes[c]), classIndices: seen, newClasses,
          accuracy: correct / (seen.length * test), cnnAccuracy: cnnCorrect / (seen.length * test), perClass, confusion,
          forgetting: forgetting(histories[method], s, newClasses), seconds: (performance.now() - stepStarted) / 1000,
          exemplars: method === 'icarl'
            ? seen.map((c) => ({ classIndex: c, count: learner.classDetails[seen.indexOf(c)].exemplars, images: learner.exemplarImages(subset.classes[c], o.exemplarsShown).map((image) => image.data) }))
            : [],
        };
        results.push(result);
        onResult(result);
      }
    }
  } finally {
    for (const learner of Object.values(learners)) learner.dispose();
  }
  return { results, seconds: (performance.now() - started) / 1000, flavour };
}
