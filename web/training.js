// training.js - the page's end of the training worker's protocol (worker.js lists the messages).
// "Train" sends the learner's checkpoint bytes to the worker, which runs one incremental step and
// sends new bytes back; the page then loads them and re-adds whatever was recorded meanwhile. So
// the page never waits on training, predictions go on with the previous step while it runs, and a
// cancelled or failed step changes nothing. Here too: the Train and Cancel buttons, the training
// progress bar and its status line.
import { BackgroundWorker } from './background-worker.js';
import { details, learner, openLearner, render, replaceLearner } from './class-state.js';
import { formatSeconds, progressText } from './format.js';
import { scheduleSave } from './saving.js';
import { el, say } from './webcam-elements.js';

const params = new URLSearchParams(location.search);
const EPOCHS = Number.parseInt(params.get('epochs') ?? '', 10) || undefined; // default: the learner's
const PHASE_TEXT = { idle: 'Preparing', targets: 'Remembering old classes', training: 'Training', herding: 'Choosing exemplars', means: 'Computing class means', done: 'Finishing' };

const worker = new BackgroundWorker(new URL('./worker.js', import.meta.url), {
  onMessage: onWorkerMessage,
  onFailure: (text) => finishTraining(`The training worker failed: ${text}`, 'error'),
});
let training = null; // {id, frames: [{name, image}] recorded meanwhile, started}
let trainCounter = 0;

export const isTraining = () => training !== null;

/** Adds an example to the learner; while a step runs, it is kept to be added to the learner that
 * the step returns too. */
export function addExample(name, image) {
  learner.addExamples(name, image);
  if (training) training.frames.push({ name, image });
}

export function train() {
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

async function onWorkerMessage(event) {
  const message = event.data;
  if (!training || message.id !== training.id) return;
  if (message.type === 'progress') {
    const { progress, elapsed } = message;
    el.progress.value = progress.fraction;
    const left = progress.fraction > 0 && elapsed > 0.5 ? Math.max(0, elapsed / progress.fraction - elapsed) : null;
    el.trainStatus.textContent = progressText(PHASE_TEXT[progress.phase] ?? progress.phase, progress, left);
  } else if (message.type === 'done') {
    try {
      const next = await openLearner(message.checkpoint);
      for (const frame of training.frames) next.addExamples(frame.name, frame.image); // recorded meanwhile
      replaceLearner(next);
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

/** Train: enabled when some class has examples no step has learned; hidden, and Cancel shown,
 * while a step runs. */
export function renderTrainControls() {
  el.train.disabled = training !== null || !details().some((d) => d.pending > 0);
  el.train.hidden = training !== null;
  el.cancel.hidden = training === null;
}
