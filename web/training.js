// training.js - the page's end of the training worker's protocol (worker.js lists the messages).
// "Train" sends the learner's checkpoint bytes to the worker, which runs one incremental step and
// sends new bytes back: a first publication within seconds, improved ones while the step trains
// on, and the final learner once it has converged. Each time the page loads them, re-adds whatever
// was recorded meanwhile and saves, so a reload or a closed tab keeps the last good learner. The
// page never waits on training: predictions go on with the previous learner, then with each
// publication. Recording, Train or Cancel while the step is improving stop it there, keeping what
// was published; a step cancelled before its first publication changes nothing. Here too: the
// Train and Cancel buttons, the training progress bar, its status line in plain words and the
// step's technical details line.
import { BackgroundWorker } from './background-worker.js';
import { details, learner, openLearner, render, replaceLearner } from './class-state.js';
import { formatSeconds, progressText } from './format.js';
import { scheduleSave } from './saving.js';
import { timeLeftEstimator } from './time-left.js';
import { el, say } from './webcam-elements.js';

const params = new URLSearchParams(location.search);
const EPOCHS = Number.parseInt(params.get('epochs') ?? '', 10) || undefined; // default: the learner's
// ?set=min_updates=120,zoom=0.3: any of the learner's settings by the names `icarl info` lists.
const SETTINGS = Object.fromEntries((params.get('set') ?? '').split(',').filter(Boolean).map((item) => {
  const [name, value] = item.split('=');
  const number = Number(value);
  return [name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), value !== '' && Number.isFinite(number) ? number : value];
}));
// ?relaxed=0: the worker trains with the simd128 kernels even where relaxed SIMD runs (to compare).
const RELAXED_SIMD = params.get('relaxed') === '0' ? false : undefined;
const PHASE_TEXT = { idle: 'Preparing', targets: 'Remembering old classes', training: 'Training', herding: 'Choosing examples to keep', means: 'Computing class means', done: 'Finishing' };
// The phases before training are cheap per unit, those after it short: the time left is measured
// on training's units (time-left.js).
const MEASURED_PHASES = new Set(['training']);

const worker = new BackgroundWorker(new URL('./worker.js', import.meta.url), {
  onMessage: onWorkerMessage,
  onFailure: (text) => finishTraining(`The training worker failed: ${text}`, 'error'),
});
let training = null; // {id, frames: [{name, image}] recorded meanwhile, timeLeft, published, loading}
let trainCounter = 0;

/** The last step's timing in the page's clock (performance.now(), ms), for tests and curious
 * people: {started, firstEstimate: {secondsLeft, at}, finished}. */
export const lastStep = { started: null, firstEstimate: null, firstPublication: null, finished: null };

/** What the page's learner is doing: 'training' while a step runs in the worker and has published
 * nothing yet, 'improving' once its first publication is the page's learner and it trains on,
 * else 'idle'. The views (Train and Cancel, the prediction's hint) ask this, not the worker. */
export const trainingState = () => (!training ? 'idle' : training.published ? 'improving' : 'training');
/** True while the classes cannot change under a step (before its first publication). */
export const isTraining = () => training !== null && !training.published;

/** True when some class has examples that no step has learned yet. */
const hasPending = () => details().some((d) => d.pending > 0);

/** Adds an example to the learner. Recording while a step improves stops it there (the page keeps
 * its last publication); before the first publication the example is kept, to be added to the
 * learner the step returns too. */
export function addExample(name, image) {
  if (training?.published) stopImproving();
  learner.addExamples(name, image);
  if (training) training.frames.push({ name, image });
}

/** Before the page changes its learner's classes (a rename, a deletion, an import): an improving
 * step would otherwise bring the old classes back with its next publication, so it stops there. */
export function settleTraining() {
  stopImproving();
}

/** Ends an improving step where it is: the page's learner is already its last publication. */
function stopImproving(text = 'Stopped improving; the prediction keeps what was learned so far.') {
  if (!training?.published) return;
  worker.postIfRunning({ type: 'cancel', id: training.id });
  finishTraining(text);
}

export function train() {
  if (training?.published) stopImproving('');
  if (training || !learner) return;
  if (!hasPending()) {
    say('Record or add some examples first.', 'error');
    return;
  }
  const id = ++trainCounter;
  const bytes = learner.save();
  training = { id, frames: [], timeLeft: timeLeftEstimator() };
  Object.assign(lastStep, { started: performance.now(), firstEstimate: null, firstPublication: null, finished: null });
  el.progress.value = 0;
  el.trainStatus.textContent = 'Starting…';
  el.trainStatus.dataset.kind = '';
  render();
  worker.post({ type: 'train', id, checkpoint: bytes.buffer, epochs: EPOCHS, settings: SETTINGS, relaxedSimd: RELAXED_SIMD }, [bytes.buffer]);
}

export function cancelTraining() {
  if (!training) return;
  if (training.published) {
    stopImproving();
    return;
  }
  worker.postIfRunning({ type: 'cancel', id: training.id });
  el.trainStatus.textContent = 'Cancelling…';
}

/** Drops a running step at once (Reset): the worker is terminated, nothing comes back. */
export function abandonTraining() {
  if (!training) return;
  worker.terminate();
  training = null;
}

/** Empties the progress bar and the status line. */
export function clearTrainingStatus() {
  el.progress.value = 0;
  el.trainStatus.textContent = '';
}

function showProgress({ progress, elapsed }) {
  el.progress.value = progress.fraction;
  const left = training.timeLeft({ done: progress.done, total: progress.total, elapsed, measure: MEASURED_PHASES.has(progress.phase) });
  if (left !== null && !lastStep.firstEstimate) lastStep.firstEstimate = { secondsLeft: left, at: performance.now() };
  const doing = training.published ? 'Improving' : PHASE_TEXT[progress.phase] ?? progress.phase;
  // A step of a few dozen frames is counted in updates, not epochs: "epoch 12 of 150" would
  // say nothing a person needs, the percentage and the time left do. With ?epochs=N the step is
  // counted in epochs, and they are named.
  el.trainStatus.textContent = progressText(doing, progress, left, { showEpoch: EPOCHS !== undefined });
}

/** The details line: the engine build, its threads, the step's size and where its time went. */
function describeStep(message) {
  const phases = Object.entries(message.phaseSeconds ?? {}).filter(([, seconds]) => seconds >= 0.05)
    .map(([phase, seconds]) => `${PHASE_TEXT[phase]?.toLowerCase() ?? phase} ${seconds.toFixed(1)} s`);
  const threads = message.threads > 1 ? ` on ${message.threads} threads` : '';
  const updates = message.updates ? `, ${message.updates} updates` : '';
  return `Last step: ${message.flavour} engine${threads}${updates}, ${message.seconds.toFixed(1)} s (${phases.join(', ')}), final loss ${message.loss.toFixed(4)}.`;
}

/** Makes a checkpoint from the worker the page's learner, with what was recorded meanwhile, and
 * saves it. Publications arrive in order and are loaded one at a time. */
async function adopt(checkpoint) {
  const job = training;
  const next = await openLearner(checkpoint);
  if (training !== job) { // stopped or replaced while it loaded
    next.dispose();
    return false;
  }
  for (const frame of job.frames) next.addExamples(frame.name, frame.image);
  job.frames = [];
  replaceLearner(next);
  scheduleSave();
  return true;
}

async function onWorkerMessage(event) {
  const message = event.data;
  if (!training || message.id !== training.id) return;
  if (message.type === 'progress') {
    showProgress(message);
  } else if (message.type === 'published') {
    const job = training;
    job.loading = (job.loading ?? Promise.resolve()).then(async () => {
      if (!(await adopt(message.checkpoint))) return;
      if (!job.published) lastStep.firstPublication = performance.now();
      job.published = message.published;
      el.trainStatus.textContent = 'Improving…'; // until the next progress report says more
      render();
    }).catch((error) => finishTraining(`Could not use the trained model: ${error.message}`, 'error'));
  } else if (message.type === 'done') {
    const job = training;
    await job.loading;
    if (training !== job) return;
    try {
      if (!(await adopt(message.checkpoint))) return;
      el.trainDetail.textContent = describeStep(message);
      finishTraining(`Trained in ${formatSeconds(message.seconds)}. The prediction now uses what was learned.`);
    } catch (error) {
      finishTraining(`Could not use the trained model: ${error.message}`, 'error');
    }
  } else if (message.type === 'error') {
    const cancelled = message.code === 'ABORTED';
    if (training.published) finishTraining(cancelled ? 'Stopped improving; the prediction keeps what was learned so far.' : `Training stopped: ${message.message} The prediction keeps what was learned so far.`, cancelled ? 'info' : 'error');
    else finishTraining(cancelled ? 'Training cancelled; nothing changed.' : `Training failed: ${message.message}`, cancelled ? 'info' : 'error');
  }
}

function finishTraining(text, kind = 'info') {
  training = null;
  lastStep.finished = performance.now();
  el.trainStatus.textContent = text;
  el.trainStatus.dataset.kind = kind;
  el.progress.value = kind === 'info' && !/cancel/i.test(text) ? 1 : 0;
  render();
}

/** Train is shown, and Cancel while a step runs; the keyboard focus follows from one to the other.
 * While a step improves both are shown: Train (for examples recorded since) and Cancel stop it
 * there. Train is never `disabled` (a disabled button drops the focus and cannot take it back):
 * aria-disabled marks it unusable while no class has new examples, and train() says why. */
export function renderTrainControls() {
  const focused = document.activeElement;
  const blocking = isTraining();
  el.train.setAttribute('aria-disabled', String(blocking || !hasPending()));
  el.train.hidden = blocking;
  el.cancel.hidden = training === null;
  if (training && focused === el.train) el.cancel.focus();
  else if (!training && focused === el.cancel) el.train.focus();
}
