// class-state.js - what the webcam page knows: THE learner (created or loaded with icarl.js on the
// main thread; recording adds examples to it, prediction classifies with it, training replaces it)
// and `meta`, the class cards that IndexedDB keeps beside its checkpoint; the questions every role
// asks of them; and render(), which every change of them ends with.
//
// meta.classes: the page's class cards in order ({id, name, samples, thumbs}); a card's name is
// its class label in the learner once it has examples.
import { autoFlavour, createLearner, loadLearner } from './icarl.js';
import { exemplarThumbnails } from './thumbnails.js';

// The main thread classifies one camera frame at a time (about 2 ms), which a pool of pthread
// workers does not speed up (one image is one chunk of work): its learner always runs the best
// single-thread build ('simd', else 'scalar'), so an isolated page starts no pthread workers of
// its own. The training worker (worker.js) loads 'auto': the threads build where isolated.
// Checkpoint bytes are the same in every build, so they pass between the two unchanged.
const PAGE_ENGINE = autoFlavour({ threads: false });

// A new learner begins with the starter network (a ResNet-14 trained beforehand on photographed
// objects; docs/accuracy.md): from it a few seconds of video are learned faster and named right
// in more rooms than from random weights. Fetched once (the service worker keeps it offline);
// where it cannot be had, the learner starts from random weights as before rather than not at all.
let starterBytes = null;
function starter() {
  starterBytes ??= fetch(new URL('starter.icarl', import.meta.url))
    .then((response) => (response.ok ? response.arrayBuffer() : Promise.reject(new Error(`HTTP ${response.status}`))))
    .catch((error) => {
      console.warn(`starter.icarl: ${error.message}; new learners start from random weights`);
      return null;
    });
  return starterBytes;
}
export async function newLearner() {
  const bytes = await starter();
  return bytes ? createLearner({ starter: bytes, engine: PAGE_ENGINE }) : createLearner({ preset: 'webcam', engine: PAGE_ENGINE });
}
export const openLearner = (bytes) => loadLearner(bytes, { engine: PAGE_ENGINE });

// Earlier versions of the page could not remove a trained class from the learner: they renamed it
// with this prefix and listed it in meta.hidden. Such classes are removed when they are loaded.
const LEGACY_HIDDEN_PREFIX = '~deleted ';

export let learner = null;
export let meta = freshMeta();

export function freshMeta() {
  return { version: 1, nextId: 1, classes: [] };
}

/** Makes `next` the learner (disposing the one before) and `nextMeta` the metadata, gives every
 * learner class that is not on a card a card (its count: the images the learner holds of it; its
 * thumbnails: its exemplars), and renders. */
export function replaceLearner(next, { meta: nextMeta = meta } = {}) {
  const previous = learner;
  learner = next;
  meta = nextMeta;
  previous?.dispose();
  for (const name of meta.hidden ?? []) if (inLearner(name)) learner.removeClass(name);
  delete meta.hidden;
  for (const entry of details()) {
    if (entry.name.startsWith(LEGACY_HIDDEN_PREFIX)) {
      learner.removeClass(entry.name);
      continue;
    }
    if (!meta.classes.some((c) => c.name === entry.name)) {
      meta.classes.push({ id: meta.nextId++, name: entry.name, samples: entry.exemplars + entry.pending, thumbs: exemplarThumbnails(learner, entry.name) });
    }
  }
  render();
}

/** The learner's classes ({name, trained, exemplars, pending}). */
export function details() {
  return learner ? learner.classDetails : [];
}

export function inLearner(name) {
  return details().some((entry) => entry.name === name);
}

/** The trained classes. */
export function trainedClasses() {
  return details().filter((entry) => entry.trained);
}

export const hasTrained = () => trainedClasses().length > 0;

let draw = () => {};

/** Sets what render() draws: app.js passes the page's views, so no role here imports them. */
export function setRenderer(renderer) {
  draw = renderer;
}

/** Redraws the page from the learner and meta. */
export function render() {
  draw();
}
