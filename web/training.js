// training.js - the page's end of the training worker's protocol (worker.js lists the messages).
// "Train" sends the learner's checkpoint bytes to the worker, which runs one incremental step and
// sends new bytes back; the page then loads them and re-adds whatever was recorded meanwhile. So
// the page never waits on training, predictions go on with the previous step while it runs, and a
// cancelled or failed step changes nothing. Here too: the Train and Cancel buttons, the training
// progress bar, its status line in plain words and the step's technical details line.
import { BackgroundWorker } from './background-worker.js';
import { details, learner, openLearner, render, replaceLearner } from './class-state.js';
import { formatSeconds, progressText } from './format.js';
import { scheduleSave } from './saving.js';
import { timeLeftEstimator } from './time-left.js';
import { el, say } from './webcam-elements.js';

const params = new URLSearchParams(location.search);
const EPOCHS = Number.parseInt(params.get('epochs') ?? '', 10) || undefined; // default: the learner's
const PHASE_TEXT = { idle: 'Preparing', targets: 'Remembering old classes', training: 'Training', herding: 'Choosing examples to keep', means: 'Computing class means', done: 'Finishing' };
// The phases before training are cheap per unit, those after it short: the time left is measured
// on training's units (time-left.js).
const MEASURED_PHASES = new Set(['training']);

const worker = new BackgroundWorker(new URL('./worker.js', import.meta.url), {
  onMessage: onWorkerMessage,
  onFailure: (text) => finishTraining(`The training worker failed: ${text}`, 'error'),
});
let training = null; // {id, frames: [{name, image}] recorded meanwhile, timeLeft}
let trainCounter = 0;

/** The last step's timing in the page's clock (performance.now(), ms), for tests and curious
 * people: {started, firstEstimate: {secondsLeft, at}, finished}. */
export const lastStep = { started: null, firstEstimate: null, finished: null };

/** What the page's learner is doing: 'training' while a step runs in the worker, else 'idle'.
 * The views (Train and Cancel, the prediction's hint) ask this, not the worker. */
export const trainingState = () => (training ? 'training' : 'idle');
export const isTraining = () => training !== null;

/** True when some class has examples that no step has learned yet. */
const hasPending = () => details().some((d) => d.pending > 0);

/** Adds an example to the learner; while a step runs, it is kept to be added to the learner that
 * the step returns too. */
export function addExample(name, image) {
  learner.addExamples(name, image);
  if (training) training.frames.push({ name, image });
}

export function train() {
  if (training || !learner) return;
  if (!hasPending()) {
    say('Record or add some examples first.', 'error');
    return;
  }
  const id = ++trainCounter;
  const bytes = learner.save();
  training = { id, frames: [], timeLeft: timeLeftEstimator() };
  Object.assign(lastStep, { started: performance.now(), firstEstimate: null, finished: null });
  el.progress.value = 0;
  el.trainStatus.textContent = 'Starting…';
  el.trainStatus.dataset.kind = '';
  render();
  worker.post({ type: 'train', id, checkpoint: bytes.buffer, epochs: EPOCHS }, [bytes.buffer]);
}

export function cancelTraining() {
  if (!training) return;
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
  el.trainStatus.textContent = progressText(PHASE_TEXT[progress.phase] ?? progress.phase, progress, left);
}

/** The details line: the engine build, its threads, the step's size and where its time went. */
function describeStep(message) {
  const phases = Object.entries(message.phaseSeconds ?? {}).filter(([, seconds]) => seconds >= 0.05)
    .map(([phase, seconds]) => `${PHASE_TEXT[phase]?.toLowerCase() ?? phase} ${seconds.toFixed(1)} s`);
  const threads = message.threads > 1 ? ` on ${message.threads} threads` : '';
  const epochs = message.epochs ? `, ${message.epochs} epochs` : '';
  return `Last step: ${message.flavour} engine${threads}${epochs}, ${message.seconds.toFixed(1)} s (${phases.join(', ')}), final loss ${message.loss.toFixed(4)}.`;
}

async function onWorkerMessage(event) {
  const message = event.data;
  if (!training || message.id !== training.id) return;
  if (message.type === 'progress') {
    showProgress(message);
  } else if (message.type === 'done') {
    try {
      const next = await openLearner(message.checkpoint);
      for (const frame of training.frames) next.addExamples(frame.name, frame.image); // recorded meanwhile
      replaceLearner(next);
      el.trainDetail.textContent = describeStep({ ...message, epochs: next.config.epochs });
      finishTraining(`Trained in ${formatSeconds(message.seconds)}. The prediction now uses what was learned.`);
      scheduleSave();
    } catch (error) {
      finishTraining(`Could not use the trained model: ${error.message}`, 'error');
    }
  } else if (message.type === 'error') {
    const cancelled = message.code === 'ABORTED';
    finishTraining(cancelled ? 'Training cancelled; nothing changed.' : `Training failed: ${message.message}`, cancelled ? 'info' : 'error');
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
 * Train is never `disabled` (a disabled button drops the focus and cannot take it back):
 * aria-disabled marks it unusable while no class has new examples, and train() says why. */
export function renderTrainControls() {
  const focused = document.activeElement;
  el.train.setAttribute('aria-disabled', String(training !== null || !hasPending()));
  el.train.hidden = training !== null;
  el.cancel.hidden = training === null;
  if (training && focused === el.train) el.cancel.focus();
  else if (!training && focused === el.cancel) el.train.focus();
}
