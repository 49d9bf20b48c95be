// app.js - the teaching page (DESIGN.md 4.3): camera, classes, hold-to-record, training in a Web
// Worker, live prediction, memory view, persistence to IndexedDB, export/import/reset, offline.
//
// Who holds what: this module owns THE learner (created or loaded with icarl.js on the main
// thread). Recording adds examples to it; prediction classifies with it on every video frame.
// "Train" sends its checkpoint bytes to worker.js, which runs the step and sends new bytes back;
// the page then loads them and re-adds whatever was recorded meanwhile. So the page never waits
// on training, predictions go on with the previous step while it runs, and a cancelled step
// changes nothing. After each step and each recording: checkpoint bytes + a small metadata record
// go to IndexedDB in one transaction (store.js).
import { autoFlavour, createLearner, loadLearner } from './icarl.js';
import { openStore } from './store.js';
import { renameClass, removeUntrainedClass } from './checkpoint-edit.js';
import { grabSquare, listCameras, startCamera } from './camera.js';

const params = new URLSearchParams(location.search);
const EPOCHS = Number.parseInt(params.get('epochs') ?? '', 10) || undefined; // default: the learner's
const RECORD_PER_SECOND = 10;
const FRAME_SIDE = 96;      // frames are centre squares of this side; the engine resizes them to 32
const THUMB_SIDE = 48;
const THUMBS_KEPT = 24;
const HIDDEN_PREFIX = '~deleted ';
// The main thread classifies one camera frame at a time (about 2 ms), which a pool of pthread
// workers does not speed up (one image is one chunk of work): its learner always runs the best
// single-thread build ('simd', else 'scalar'), so an isolated page starts no pthread workers of
// its own. The training worker (worker.js) loads 'auto': the threads build where isolated.
// Checkpoint bytes are the same in every build, so they pass between the two unchanged.
const PAGE_ENGINE = autoFlavour({ threads: false });
const newLearner = () => createLearner({ preset: 'webcam', engine: PAGE_ENGINE });
const openLearner = (bytes) => loadLearner(bytes, { engine: PAGE_ENGINE });

const $ = (selector, root = document) => root.querySelector(selector);
const el = {
  notice: $('#notice'), video: $('#video'), cameraMessage: $('#camera-message'), mirror: $('#mirror'),
  cameraChoice: $('#camera-choice'), cameraSelect: $('#camera-select'), predictedLabel: $('#predicted-label'),
  predictedDetail: $('#predicted-detail'), bars: $('#bars'), rate: $('#rate'), addClass: $('#add-class'),
  classesHint: $('#classes-hint'), classes: $('#classes'), train: $('#train'), cancel: $('#cancel'),
  trainStatus: $('#train-status'), progress: $('#progress'), memory: $('#memory'), exportButton: $('#export'),
  importButton: $('#import'), importFile: $('#import-file'), reset: $('#reset'), storage: $('#storage'),
  template: $('#class-template'),
};

// ---- state ---------------------------------------------------------------------------------------

let learner = null;
/** What IndexedDB keeps beside the checkpoint. classes: the page's class cards in order; a card's
 * name is its class label in the learner once it has examples. hidden: learner labels of deleted
 * trained classes (the engine cannot forget a trained class; the page ignores them). */
let meta = freshMeta();
let store = null;
let training = null;          // {id, frames: [{name, image}] recorded meanwhile}
let cameraReady = false;
const cards = new Map();      // class id -> {root, input, count, thumbs, record, ...}
const grabContext = makeContext(FRAME_SIDE);
const thumbContext = makeContext(THUMB_SIDE);
const stats = { predictions: 0, windowStart: performance.now(), perSecond: 0, classifyMs: 0, saves: 0 };
window.icarlPage = { stats, get learner() { return learner; }, get meta() { return meta; }, saved: () => saving ?? Promise.resolve() }; // for tests and curious people

function freshMeta() {
  return { version: 1, nextId: 1, classes: [], hidden: [] };
}

function makeContext(side) {
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  return canvas.getContext('2d', { willReadFrequently: true });
}

function say(text, kind = 'info') {
  el.notice.textContent = text;
  el.notice.dataset.kind = kind;
  el.notice.hidden = !text;
}

// ---- persistence -----------------------------------------------------------------------------------

let saving = null;
let saveAgain = false;

/** Saves learner + meta; coalesces bursts (a save that is asked for while one runs runs once after). */
function scheduleSave() {
  if (saving) {
    saveAgain = true;
    return saving;
  }
  saving = (async () => {
    do {
      saveAgain = false;
      await saveNow();
    } while (saveAgain);
    saving = null;
  })();
  return saving;
}

let lastSaveFailed = false; // newer changes than the saved state live only in this tab

async function saveNow() {
  if (!store || !learner) return;
  const bytes = learner.save();
  try {
    await store.save({ checkpoint: bytes, meta: structuredClone(meta) });
    lastSaveFailed = false;
    stats.saves++;
    document.body.dataset.saves = String(stats.saves);
    showStorage();
  } catch (error) {
    lastSaveFailed = true;
    if (error.code === 'UNAVAILABLE') {
      showStorage(); // already said: kept in memory only
      return;
    }
    el.storage.textContent = `Not saved: ${error.message}. Export the model to keep it.`;
    el.storage.dataset.kind = 'error';
    if (error.code === 'QUOTA') say('Storage is full: the last saved state is kept; newer changes live only in this tab. Export the model to keep them.', 'error');
  }
}

let persisted = null;
function showStorage() {
  if (!store.persistent) {
    el.storage.textContent = `Kept in memory only: ${store.problem?.message ?? 'IndexedDB is unavailable'}. Export the model to keep it.`;
    el.storage.dataset.kind = 'error';
    return;
  }
  el.storage.dataset.kind = '';
  el.storage.textContent = `Saved in this browser${persisted === true ? ' (persistent storage)' : persisted === false ? ' (the browser may clear it when space runs low)' : ''}. Images never leave this machine.`;
}

// ---- the learner and the class list ----------------------------------------------------------

/** Edits that await something (a file, a new learner) before they change the state and save it:
 * counted while they run, so that the isolation reload below never cuts one off. */
let editsRunning = 0;
async function editing(work) {
  editsRunning++;
  try {
    return await work();
  } finally {
    editsRunning--;
  }
}

function details() {
  return learner ? learner.classDetails : [];
}

function inLearner(name) {
  return details().some((entry) => entry.name === name);
}

function hasTrained() {
  return details().some((entry) => entry.trained && !meta.hidden.includes(entry.name));
}

/** Brings meta in line with the learner: every learner class that is not hidden has a card. */
function reconcile() {
  for (const entry of details()) {
    if (entry.name.startsWith(HIDDEN_PREFIX) && !meta.hidden.includes(entry.name)) meta.hidden.push(entry.name);
    if (meta.hidden.includes(entry.name)) continue;
    if (!meta.classes.some((c) => c.name === entry.name)) {
      meta.classes.push({ id: meta.nextId++, name: entry.name, samples: entry.exemplars + entry.pending, thumbs: [] });
    }
  }
}

async function replaceLearner(next) {
  const previous = learner;
  learner = next;
  previous?.dispose();
  reconcile();
  render();
}

function uniqueName(base) {
  const taken = new Set([...meta.classes.map((c) => c.name), ...details().map((d) => d.name)]);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`;
}

function addClass() {
  let n = meta.classes.length + 1;
  let name = `Class ${n}`;
  while (meta.classes.some((c) => c.name === name) || inLearner(name)) name = `Class ${++n}`;
  const entry = { id: meta.nextId++, name, samples: 0, thumbs: [] };
  meta.classes.push(entry);
  render();
  const card = cards.get(entry.id);
  card?.input.focus();
  card?.input.select();
  scheduleSave();
}

async function renameCard(entry, wanted) {
  const name = wanted.trim();
  const card = cards.get(entry.id);
  if (name === entry.name) return;
  if (!name) {
    say('A class needs a name.', 'error');
    card.input.value = entry.name;
    return;
  }
  if (meta.classes.some((c) => c !== entry && c.name === name) || inLearner(name)) {
    say(`There is already a class called “${name}”.`, 'error');
    card.input.value = entry.name;
    return;
  }
  if (inLearner(entry.name)) {
    try {
      const next = await openLearner(renameClass(learner.save(), entry.name, name));
      entry.name = name;
      await replaceLearner(next);
    } catch (error) {
      say(`Could not rename: ${error.message}`, 'error');
      card.input.value = entry.name;
      return;
    }
  } else {
    entry.name = name;
  }
  say('');
  render();
  scheduleSave();
}

async function deleteCard(entry) {
  if (entry.samples > 0 && !confirm(`Delete the class “${entry.name}” and its ${entry.samples} examples?`)) return;
  const found = details().find((d) => d.name === entry.name);
  try {
    if (found && !found.trained) {
      const { inputSize, channels } = learner.config;
      await replaceLearner(await openLearner(removeUntrainedClass(learner.save(), entry.name, inputSize * inputSize * channels)));
    } else if (found) {
      // A trained class stays in the network and the exemplar memory: rename it out of the
      // way and ignore it in predictions.
      const hiddenName = uniqueName(`${HIDDEN_PREFIX}${entry.name}`);
      await replaceLearner(await openLearner(renameClass(learner.save(), entry.name, hiddenName)));
      meta.hidden.push(hiddenName);
    }
  } catch (error) {
    say(`Could not delete: ${error.message}`, 'error');
    return;
  }
  meta.classes = meta.classes.filter((c) => c !== entry);
  render();
  scheduleSave();
}

function addImage(entry, image, thumbSource) {
  learner.addExamples(entry.name, image);
  entry.samples++;
  if (training) training.frames.push({ name: entry.name, image });
  thumbContext.drawImage(thumbSource, 0, 0, THUMB_SIDE, THUMB_SIDE);
  entry.thumbs.push(thumbContext.canvas.toDataURL('image/jpeg', 0.7));
  if (entry.thumbs.length > THUMBS_KEPT) entry.thumbs.splice(0, entry.thumbs.length - THUMBS_KEPT);
}

// ---- recording: hold to record -----------------------------------------------------------------

let recording = null; // {entry, timer}

function startRecording(entry) {
  if (recording) return;
  if (!cameraReady) {
    say('No camera picture to record. Add images with “Add images” or by dropping files on the class.', 'error');
    return;
  }
  const card = cards.get(entry.id);
  card.record.classList.add('recording');
  card.record.setAttribute('aria-pressed', 'true');
  const capture = () => {
    const image = grabSquare(grabContext, el.video, FRAME_SIDE);
    if (!image) return;
    addImage(entry, image, grabContext.canvas);
    updateCard(entry);
    updateTrainButton();
  };
  capture();
  recording = { entry, timer: setInterval(capture, 1000 / RECORD_PER_SECOND) };
}

function stopRecording() {
  if (!recording) return;
  clearInterval(recording.timer);
  const card = cards.get(recording.entry.id);
  card?.record.classList.remove('recording');
  card?.record.setAttribute('aria-pressed', 'false');
  recording = null;
  render();
  scheduleSave();
}

function wireRecordButton(button, entry) {
  button.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    button.setPointerCapture?.(event.pointerId);
    startRecording(entry);
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) button.addEventListener(type, stopRecording);
  button.addEventListener('keydown', (event) => {
    if (event.key !== ' ' && event.key !== 'Enter') return;
    event.preventDefault(); // no click, no scrolling
    if (!event.repeat) startRecording(entry);
  });
  button.addEventListener('keyup', (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      stopRecording();
    }
  });
  button.addEventListener('blur', stopRecording);
  button.addEventListener('contextmenu', (event) => event.preventDefault()); // long press on touch
}

// ---- image files -----------------------------------------------------------------------------------

async function addFiles(entry, files) {
  let added = 0;
  let failed = 0;
  for (const file of files) {
    if (!file.type.startsWith('image/')) {
      failed++;
      continue;
    }
    try {
      const bitmap = await createImageBitmap(file);
      const image = grabSquare(grabContext, bitmap, FRAME_SIDE);
      bitmap.close();
      addImage(entry, image, grabContext.canvas);
      added++;
    } catch {
      failed++;
    }
  }
  render();
  if (added) scheduleSave();
  say(failed ? `Added ${added} image(s); ${failed} file(s) could not be read as images.` : `Added ${added} image(s) to “${entry.name}”.`, failed ? 'error' : 'info');
}

// ---- training in the worker ---------------------------------------------------------------------------

let worker = null;
let trainCounter = 0;

function getWorker() {
  if (!worker) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = onWorkerMessage;
    worker.onerror = (event) => {
      event.preventDefault?.();
      finishTraining(`The training worker failed: ${event.message ?? 'unknown error'}`, 'error');
      worker?.terminate();
      worker = null;
    };
  }
  return worker;
}

function train() {
  if (training || !learner) return;
  if (!details().some((d) => d.pending > 0)) {
    say('Record or add some examples first.', 'error');
    return;
  }
  const id = ++trainCounter;
  const bytes = learner.save();
  training = { id, frames: [], started: performance.now() };
  el.progress.value = 0;
  el.trainStatus.textContent = 'Starting…';
  render();
  getWorker().postMessage({ type: 'train', id, checkpoint: bytes.buffer, epochs: EPOCHS }, [bytes.buffer]);
}

function cancelTraining() {
  if (!training) return;
  worker?.postMessage({ type: 'cancel', id: training.id });
  el.trainStatus.textContent = 'Cancelling…';
}

const PHASE_TEXT = { idle: 'Preparing', targets: 'Remembering old classes', training: 'Training', herding: 'Choosing exemplars', means: 'Computing class means', done: 'Finishing' };

async function onWorkerMessage(event) {
  const message = event.data;
  if (!training || message.id !== training.id) return;
  if (message.type === 'progress') {
    const { progress, elapsed } = message;
    el.progress.value = progress.fraction;
    const left = progress.fraction > 0 && elapsed > 0.5 ? Math.max(0, elapsed / progress.fraction - elapsed) : null;
    const epoch = progress.phase === 'training' ? ` epoch ${progress.epoch}/${progress.epochs}` : '';
    el.trainStatus.textContent = `${PHASE_TEXT[progress.phase] ?? progress.phase}${epoch} · ${Math.round(progress.fraction * 100)}%${left === null ? '' : ` · about ${formatSeconds(left)} left`}`;
  } else if (message.type === 'done') {
    try {
      const next = await openLearner(message.checkpoint);
      for (const frame of training.frames) next.addExamples(frame.name, frame.image); // recorded meanwhile
      await replaceLearner(next);
      finishTraining(`Trained in ${formatSeconds(message.seconds)} (${message.flavour} engine).`);
      scheduleSave();
    } catch (error) {
      finishTraining(`Could not use the trained model: ${error.message}`, 'error');
    }
  } else if (message.type === 'error') {
    finishTraining(message.code === 'ABORTED' ? 'Training cancelled; nothing changed.' : `Training failed: ${message.message}`, message.code === 'ABORTED' ? 'info' : 'error');
  }
}

function finishTraining(text, kind = 'info') {
  training = null;
  el.trainStatus.textContent = text;
  el.trainStatus.dataset.kind = kind;
  el.progress.value = kind === 'info' && !/cancel/i.test(text) ? 1 : 0;
  render();
}

function formatSeconds(seconds) {
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

// ---- prediction on every frame ---------------------------------------------------------------------

let barRows = new Map(); // label -> {fill, value}

function predictFrame() {
  if (!learner || !cameraReady || !hasTrained()) return;
  if (document.body.dataset.mode === 'experiment') return; // its tab is hidden: leave the CPU to the experiment
  const image = grabSquare(grabContext, el.video, FRAME_SIDE);
  if (!image) return;
  const start = performance.now();
  const result = learner.classify(image);
  stats.classifyMs = stats.classifyMs * 0.9 + (performance.now() - start) * 0.1;
  const scores = result.scores.filter((s) => !meta.hidden.includes(s.label));
  if (!scores.length) return;
  // Cosine similarities to confidences: a softmax with temperature 0.05.
  const exps = scores.map((s) => Math.exp((s.score - scores[0].score) * 20));
  const total = exps.reduce((a, b) => a + b, 0);
  el.predictedLabel.textContent = scores[0].label;
  el.predictedDetail.textContent = `· ${Math.round((100 * exps[0]) / total)}% confident`;
  scores.forEach((s, i) => {
    const row = barRows.get(s.label);
    if (!row) return;
    const value = exps[i] / total;
    row.fill.style.width = `${(value * 100).toFixed(1)}%`;
    row.value.textContent = `${Math.round(value * 100)}%`;
    row.li.classList.toggle('best', i === 0);
  });
  stats.predictions++;
  const now = performance.now();
  if (now - stats.windowStart >= 1000) {
    stats.perSecond = (stats.predictions * 1000) / (now - stats.windowStart);
    stats.predictions = 0;
    stats.windowStart = now;
    el.rate.textContent = `${stats.perSecond.toFixed(0)} predictions/s · ${stats.classifyMs.toFixed(1)} ms each`;
  }
}

function frameLoop() {
  const next = () => {
    if ('requestVideoFrameCallback' in el.video) el.video.requestVideoFrameCallback(tick);
    else requestAnimationFrame(tick);
  };
  const tick = () => {
    try {
      predictFrame();
    } catch (error) {
      console.error(error);
    }
    next();
  };
  next();
}

// ---- rendering ---------------------------------------------------------------------------------------

function render() {
  const busy = training !== null;
  const all = details();
  const byName = new Map(all.map((d) => [d.name, d]));
  // Cards: create missing ones, drop stale ones, keep order.
  const wanted = new Set(meta.classes.map((c) => c.id));
  for (const [id, card] of cards) {
    if (!wanted.has(id)) {
      card.root.remove();
      cards.delete(id);
    }
  }
  for (const entry of meta.classes) {
    let card = cards.get(entry.id);
    if (!card) card = makeCard(entry);
    el.classes.append(card.root); // moves it into order
    updateCard(entry, byName.get(entry.name));
    card.input.disabled = busy;
    card.remove.disabled = busy;
    card.record.disabled = !cameraReady;
    card.record.title = cameraReady ? 'Press and hold (or hold Space) while showing the object' : 'No camera picture: add images instead';
  }
  el.classesHint.hidden = meta.classes.some((c) => c.samples > 0);
  el.train.disabled = busy || !all.some((d) => d.pending > 0);
  el.train.hidden = busy;
  el.cancel.hidden = !busy;
  el.importButton.disabled = busy;
  el.reset.disabled = false;
  renderBars();
  renderMemory();
  if (!hasTrained()) {
    el.predictedLabel.textContent = 'No prediction yet';
    el.predictedDetail.textContent = cameraReady ? '— record examples for a class and press Train.' : '— it needs a camera picture and a trained class.';
    el.rate.textContent = '';
  }
}

function updateTrainButton() {
  el.train.disabled = training !== null || !details().some((d) => d.pending > 0);
}

function updateCard(entry, detail) {
  const card = cards.get(entry.id);
  if (!card) return;
  card.root.dataset.name = entry.name;
  if (document.activeElement !== card.input) card.input.value = entry.name;
  const state = detail ? (detail.pending > 0 ? (detail.trained ? ` · ${detail.pending} new` : ' · not trained yet') : ' · trained') : '';
  card.count.textContent = `${entry.samples} sample${entry.samples === 1 ? '' : 's'}${state}`;
  const shown = card.thumbs.childElementCount;
  if (shown !== entry.thumbs.length || card.thumbs.lastElementChild?.src !== entry.thumbs.at(-1)) {
    card.thumbs.replaceChildren(...entry.thumbs.map((src) => {
      const img = document.createElement('img');
      img.src = src;
      img.alt = '';
      img.width = THUMB_SIDE;
      img.height = THUMB_SIDE;
      return img;
    }));
    card.thumbs.scrollLeft = card.thumbs.scrollWidth;
  }
}

function makeCard(entry) {
  const root = el.template.content.firstElementChild.cloneNode(true);
  const card = {
    root,
    input: $('.class-name', root),
    count: $('.count', root),
    record: $('.record', root),
    upload: $('.upload', root),
    uploadFile: $('.upload-file', root),
    remove: $('.delete', root),
    thumbs: $('.thumbs', root),
  };
  card.input.value = entry.name;
  card.input.addEventListener('change', () => editing(() => renameCard(entry, card.input.value)));
  card.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') card.input.blur();
    if (event.key === 'Escape') {
      card.input.value = entry.name;
      card.input.blur();
    }
  });
  wireRecordButton(card.record, entry);
  card.upload.addEventListener('click', () => card.uploadFile.click());
  card.uploadFile.addEventListener('change', () => {
    const files = [...card.uploadFile.files];
    editing(() => addFiles(entry, files));
    card.uploadFile.value = '';
  });
  root.addEventListener('dragover', (event) => {
    event.preventDefault();
    root.classList.add('drop');
  });
  root.addEventListener('dragleave', () => root.classList.remove('drop'));
  root.addEventListener('drop', (event) => {
    event.preventDefault();
    root.classList.remove('drop');
    const files = [...(event.dataTransfer?.files ?? [])];
    editing(() => addFiles(entry, files));
  });
  card.remove.addEventListener('click', () => editing(() => deleteCard(entry)));
  cards.set(entry.id, card);
  return card;
}

function renderBars() {
  const trained = details().filter((d) => d.trained && !meta.hidden.includes(d.name));
  const key = trained.map((d) => d.name).join('\n');
  if (el.bars.dataset.key === key) return;
  el.bars.dataset.key = key;
  barRows = new Map();
  el.bars.replaceChildren(...trained.map((d) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'bar-name';
    name.textContent = d.name;
    const track = document.createElement('span');
    track.className = 'bar-track';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = '';
    li.append(name, track, value);
    barRows.set(d.name, { li, fill, value });
    return li;
  }));
}

function renderMemory() {
  if (!learner) return;
  const memory = learner.memory;
  const limit = memory.perClassLimit;
  const rows = details().filter((d) => d.trained);
  const summary = document.createElement('p');
  summary.textContent = `${memory.used} of K = ${memory.capacity} exemplars kept` + (limit ? ` · up to ${limit} per class` : ' · none yet (train a step)');
  const list = document.createElement('ul');
  list.className = 'memory-list';
  for (const d of rows) {
    const li = document.createElement('li');
    const hidden = meta.hidden.includes(d.name);
    li.textContent = `${hidden ? `${d.name.slice(HIDDEN_PREFIX.length)} (deleted)` : d.name}: ${d.exemplars} of ${limit}`;
    const meter = document.createElement('meter');
    meter.min = 0;
    meter.max = Math.max(1, limit);
    meter.value = d.exemplars;
    meter.setAttribute('aria-label', `${d.name} exemplars`);
    li.prepend(meter);
    list.append(li);
  }
  el.memory.replaceChildren(summary, list);
}

// ---- export / import / reset ----------------------------------------------------------------------------

function exportModel() {
  const bytes = learner.save();
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = 'icarl-model.icarl';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  say(`Exported ${(bytes.length / 1e6).toFixed(1)} MB (the same format as the native icarl tool).`);
}

async function importModel(file) {
  if (!file) return;
  try {
    const next = await openLearner(await file.arrayBuffer());
    const names = new Set(next.classes);
    const previous = new Map(meta.classes.map((c) => [c.name, c]));
    meta = freshMeta();
    for (const d of next.classDetails) {
      if (d.name.startsWith(HIDDEN_PREFIX)) {
        meta.hidden.push(d.name);
        continue;
      }
      const old = previous.get(d.name);
      meta.classes.push({ id: meta.nextId++, name: d.name, samples: old?.samples ?? d.exemplars + d.pending, thumbs: old?.thumbs ?? [] });
    }
    await replaceLearner(next);
    say(`Imported “${file.name}”: ${names.size} class${names.size === 1 ? '' : 'es'}.`);
    scheduleSave();
  } catch (error) {
    say(`Could not import “${file.name}”: ${error.message}`, 'error');
  }
}

async function resetAll() {
  if (!confirm('Reset forgets every class, every example and the trained model in this browser. Continue?')) return;
  stopRecording();
  if (training) {
    worker?.terminate();
    worker = null;
    training = null;
  }
  try {
    await saving;
    await store?.clear();
  } catch (error) {
    say(`Could not clear the saved state: ${error.message}`, 'error');
  }
  meta = freshMeta();
  await replaceLearner(await newLearner());
  el.progress.value = 0;
  el.trainStatus.textContent = '';
  say('Everything was reset.');
}

// ---- camera ---------------------------------------------------------------------------------------------

async function setupCamera(deviceId) {
  cameraReady = false;
  try {
    await startCamera(el.video, deviceId);
    el.cameraMessage.hidden = true;
    await new Promise((resolve) => {
      if (el.video.readyState >= 2) resolve();
      else el.video.addEventListener('loadeddata', resolve, { once: true });
    });
    cameraReady = true;
    await refreshCameraList();
  } catch (error) {
    el.cameraMessage.textContent = error.message;
    el.cameraMessage.hidden = false;
    document.body.dataset.camera = 'unavailable';
  }
  render();
}

async function refreshCameraList() {
  const cameras = await listCameras().catch(() => []);
  const current = el.video.srcObject?.getVideoTracks()[0]?.getSettings().deviceId;
  el.cameraSelect.replaceChildren(...cameras.map((camera, i) => {
    const option = document.createElement('option');
    option.value = camera.deviceId;
    option.textContent = camera.label || `Camera ${i + 1}`;
    option.selected = camera.deviceId === current;
    return option;
  }));
  el.cameraChoice.hidden = cameras.length < 2;
}

// ---- cross-origin isolation on a static host ----------------------------------------------------------
// A host that sends no COOP/COEP headers serves a first visit that is not cross-origin isolated, so
// the training worker runs the single-thread engine. The service worker adds the headers to what
// it serves, but this document was fetched before it existed: once it takes control, one reload
// makes the page isolated (and training uses threads). The page reloads itself only if
//   - it is not isolated and a service worker controls it (it just took over, or it already did
//     at load: a browser that ignores the headers, an older worker);
//   - it has not done so before in this tab: sessionStorage remembers the reload, so it happens at
//     most once per tab and can never loop (also where the headers have no effect);
//   - nothing is going on: the page has finished starting, no training, no recording, no edit
//     that awaits a file or a learner, no experiment run or results in the Experiment tab; the
//     running save is awaited, and a state that could not be saved (no IndexedDB, a failed write)
//     is never thrown away. When something is going on it does not reload at all: the next load
//     is isolated anyway (the worker serves it).
// The decision is shown in body[data-isolation-reload] (for tests and curious people).
const ISOLATION_RELOAD_KEY = 'icarl-isolation-reload';

function busyReason() {
  if (training) return 'training';
  if (recording) return 'recording';
  if (editsRunning > 0) return 'editing';
  const experiment = document.body.dataset.experiment;
  if (experiment && experiment !== 'idle') return 'experiment';
  return null;
}

/** True when this tab already reloaded for isolation, or cannot remember that it did. */
function reloadedInThisTab() {
  try {
    return sessionStorage.getItem(ISOLATION_RELOAD_KEY) !== null;
  } catch {
    return true;
  }
}

function watchIsolation(started) {
  if (self.crossOriginIsolated || !('serviceWorker' in navigator)) return;
  let deciding = false;
  const decide = (text) => {
    document.body.dataset.isolationReload = text;
  };
  const consider = async () => {
    if (deciding || self.crossOriginIsolated || !navigator.serviceWorker.controller) return;
    deciding = true;
    try {
      await started;
      if (reloadedInThisTab()) return decide('once-already');
      let busy = busyReason();
      if (busy) return decide(`busy: ${busy}`);
      while (saving) await saving; // a save in flight finishes first
      busy = busyReason(); // (something may have started meanwhile)
      if (busy) return decide(`busy: ${busy}`);
      const hasState = meta.classes.length > 0 || details().length > 0;
      if (hasState && (lastSaveFailed || !store?.persistent)) return decide('unsaved');
      try {
        sessionStorage.setItem(ISOLATION_RELOAD_KEY, String(Date.now()));
      } catch {
        return decide('no-session-storage'); // no way to make sure it happens only once
      }
      decide('reloading');
      location.reload();
    } catch (error) {
      console.warn('isolation reload:', error);
    } finally {
      deciding = false;
    }
  };
  navigator.serviceWorker.addEventListener('controllerchange', consider);
  consider(); // already controlled at load, but not isolated
}

// ---- start ----------------------------------------------------------------------------------------------

async function start() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('./sw.js').catch((error) => console.warn('service worker:', error));
  }
  el.mirror.checked = localStorage.getItem('icarl-mirror') !== 'off';
  el.video.classList.toggle('mirrored', el.mirror.checked);
  el.mirror.addEventListener('change', () => {
    el.video.classList.toggle('mirrored', el.mirror.checked);
    localStorage.setItem('icarl-mirror', el.mirror.checked ? 'on' : 'off');
  });
  el.cameraSelect.addEventListener('change', () => setupCamera(el.cameraSelect.value));
  navigator.mediaDevices?.addEventListener?.('devicechange', refreshCameraList);
  el.addClass.addEventListener('click', addClass);
  el.train.addEventListener('click', train);
  el.cancel.addEventListener('click', cancelTraining);
  el.exportButton.addEventListener('click', exportModel);
  el.importButton.addEventListener('click', () => el.importFile.click());
  el.importFile.addEventListener('change', () => {
    const file = el.importFile.files[0];
    editing(() => importModel(file));
    el.importFile.value = '';
  });
  el.reset.addEventListener('click', () => editing(resetAll));
  window.addEventListener('pagehide', stopRecording);

  const cameraStarted = setupCamera();
  store = await openStore();
  if (store.persistent && navigator.storage?.persist) {
    persisted = await navigator.storage.persisted().then((already) => already || navigator.storage.persist()).catch(() => null);
  }
  let restored = null;
  try {
    restored = await store.load();
  } catch (error) {
    say(`The saved state could not be read (${error.message}); starting empty.`, 'error');
  }
  try {
    if (restored?.checkpoint) {
      learner = await openLearner(restored.checkpoint);
      meta = restored.meta ?? freshMeta();
      meta.hidden ??= [];
    } else {
      learner = await newLearner();
      if (restored?.meta) meta = restored.meta;
    }
  } catch (error) {
    say(`The saved model could not be loaded (${error.message}); starting empty. Your previous data stays saved until you teach something new.`, 'error');
    learner = await newLearner();
  }
  reconcile();
  showStorage();
  render();
  await cameraStarted;
  document.body.dataset.ready = 'true';
  frameLoop();
}

const started = start().catch((error) => {
  console.error(error);
  say(`The page could not start: ${error.message}`, 'error');
  document.body.dataset.ready = 'error';
});
watchIsolation(started);
