// class-state.js - what the webcam page knows: THE learner (created or loaded with icarl.js on the
// main thread; recording adds examples to it, prediction classifies with it, training replaces it)
// and `meta`, the class cards that IndexedDB keeps beside its checkpoint; the questions every role
// asks of them; render(), which every change of them ends with; and the count of edits in flight.
//
// meta.classes: the page's class cards in order ({id, name, samples, thumbs}); a card's name is
// its class label in the learner once it has examples. meta.hidden: learner labels of deleted
// trained classes (the engine cannot forget a trained class: the page renames it with
// HIDDEN_PREFIX and ignores it).
import { autoFlavour, createLearner, loadLearner } from './icarl.js';

// The main thread classifies one camera frame at a time (about 2 ms), which a pool of pthread
// workers does not speed up (one image is one chunk of work): its learner always runs the best
// single-thread build ('simd', else 'scalar'), so an isolated page starts no pthread workers of
// its own. The training worker (worker.js) loads 'auto': the threads build where isolated.
// Checkpoint bytes are the same in every build, so they pass between the two unchanged.
const PAGE_ENGINE = autoFlavour({ threads: false });
export const newLearner = () => createLearner({ preset: 'webcam', engine: PAGE_ENGINE });
export const openLearner = (bytes) => loadLearner(bytes, { engine: PAGE_ENGINE });

export const HIDDEN_PREFIX = '~deleted ';

export let learner = null;
export let meta = freshMeta();

export function freshMeta() {
  return { version: 1, nextId: 1, classes: [], hidden: [] };
}

/** Makes `next` the learner (disposing the one before) and `nextMeta` the metadata, gives every
 * learner class that is neither hidden nor on a card a card (its sample count and thumbnails from
 * `previousCards`, by name, when there), and renders. */
export function replaceLearner(next, { meta: nextMeta = meta, previousCards = new Map() } = {}) {
  const previous = learner;
  learner = next;
  meta = nextMeta;
  previous?.dispose();
  for (const entry of details()) {
    if (entry.name.startsWith(HIDDEN_PREFIX) && !meta.hidden.includes(entry.name)) meta.hidden.push(entry.name);
    if (meta.hidden.includes(entry.name)) continue;
    if (!meta.classes.some((c) => c.name === entry.name)) {
      const card = previousCards.get(entry.name);
      meta.classes.push({ id: meta.nextId++, name: entry.name, samples: card?.samples ?? entry.exemplars + entry.pending, thumbs: card?.thumbs ?? [] });
    }
  }
  render();
}

/** The learner's classes ({name, trained, exemplars, pending}), hidden ones included. */
export function details() {
  return learner ? learner.classDetails : [];
}

export function inLearner(name) {
  return details().some((entry) => entry.name === name);
}

export const isHidden = (name) => meta.hidden.includes(name);

/** The trained classes the page shows (deleted ones left out). */
export function shownTrained() {
  return details().filter((entry) => entry.trained && !isHidden(entry.name));
}

export const hasTrained = () => shownTrained().length > 0;

/** `base`, or `base 2`, `base 3`, ...: the first that no card and no learner class has. */
export function uniqueName(base) {
  const taken = new Set([...meta.classes.map((c) => c.name), ...details().map((d) => d.name)]);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`;
}

let draw = () => {};

/** Sets what render() draws: app.js passes the page's views, so no role here imports them. */
export function setRenderer(renderer) {
  draw = renderer;
}

/** Redraws the page from the learner and meta. */
export function render() {
  draw();
}

/** Edits that await something (a file, a new learner) before they change the state and save it
 * run through editing(): counted while they run, so that the isolation reload never cuts one off. */
export let editsRunning = 0;

export async function editing(work) {
  editsRunning++;
  try {
    return await work();
  } finally {
    editsRunning--;
  }
}
