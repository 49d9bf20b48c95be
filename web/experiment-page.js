// experiment-page.js - the page's second mode, the Experiment tab. "Run experiment" starts
// experiment-worker.js, which runs iCaRL and finetuning on the class-incremental Fashion-MNIST
// stream; this module shows its progress and status and, after every step, has
// experiment-charts.js redraw the results. It shares nothing with the Webcam tab but the page: the
// webcam mode keeps its own learner, worker and storage, and only pauses its per-frame prediction
// while this tab is shown (mode-tabs.js).
//
// URL parameters (for quick runs and tests): exp-train, exp-test (images per class), exp-epochs,
// exp-memory (K), exp-blocks (blocks per ResNet stage), exp-seed. #experiment opens this tab.
import { BackgroundWorker } from './background-worker.js';
import { $ } from './dom.js';
import { byMethod, drawExperiment } from './experiment-charts.js';
import { DEFAULTS, METHODS } from './experiment.js';
import { formatSeconds, percent, progressText } from './format.js';
import { timeLeftEstimator } from './time-left.js';

const params = new URLSearchParams(location.search);
const intParam = (name, fallback, low, high) => {
  const value = Number.parseInt(params.get(name) ?? '', 10);
  return Number.isInteger(value) && value >= low && value <= high ? value : fallback;
};
const OPTIONS = {
  train: intParam('exp-train', DEFAULTS.train, 1, 6000),
  test: intParam('exp-test', DEFAULTS.test, 1, 1000),
  epochs: intParam('exp-epochs', DEFAULTS.epochs, 1, 100),
  memory: intParam('exp-memory', DEFAULTS.memory, 0, 60000),
  blocksPerStage: intParam('exp-blocks', DEFAULTS.blocksPerStage, 1, 5),
  seed: intParam('exp-seed', DEFAULTS.seed, 0, 2 ** 31),
};
const PHASE_TEXT = { idle: 'preparing', targets: 'remembering old outputs', training: 'training', herding: 'choosing exemplars', means: 'computing class means', done: 'testing' };

const el = {
  run: $('#experiment-run'), cancel: $('#experiment-cancel'), status: $('#experiment-status'),
  progress: $('#experiment-progress'), settings: $('#experiment-settings'),
};

const worker = new BackgroundWorker(new URL('./experiment-worker.js', import.meta.url), {
  onMessage,
  onFailure: (text) => finish('error', `The experiment worker failed: ${text}`),
});
let runId = 0;
let current = null; // {id, timeLeft} while running
const state = { results: [], seconds: null, flavour: null, status: 'idle' };
window.icarlExperiment = state; // for tests and curious people

function run() {
  if (current) return;
  current = { id: ++runId, timeLeft: timeLeftEstimator() };
  state.results = [];
  state.seconds = null;
  setStatus('running', 'Loading the Fashion-MNIST subset…');
  el.progress.value = 0;
  el.run.disabled = true;
  el.cancel.hidden = false;
  drawExperiment(state.results);
  worker.post({ type: 'run', id: current.id, options: OPTIONS });
}

function cancel() {
  if (!current) return;
  worker.postIfRunning({ type: 'cancel', id: current.id });
  el.status.textContent = 'Cancelling…';
}

function onMessage(event) {
  const message = event.data;
  if (!current || message.id !== current.id) return;
  if (message.type === 'progress') {
    const { progress, elapsed } = message;
    el.progress.value = progress.fraction;
    const left = current.timeLeft({ done: progress.fraction, total: 1, elapsed }); // from the first progress on: the data's download does not count
    el.status.textContent = `Step ${progress.step + 1}/${progress.steps} · ${METHODS[progress.method].label}: ${progressText(PHASE_TEXT[progress.phase] ?? progress.phase, progress, left)}`;
  } else if (message.type === 'result') {
    state.results.push(message.result);
    drawExperiment(state.results);
  } else if (message.type === 'done') {
    state.seconds = message.seconds;
    state.flavour = message.flavour;
    const final = (method) => byMethod(state.results, method).at(-1);
    el.progress.value = 1;
    finish('done', `Done in ${formatSeconds(message.seconds)} (${message.flavour} engine). Final accuracy on all ${final('icarl').classes.length} classes: iCaRL ${percent(final('icarl').accuracy)}, finetuning ${percent(final('finetune').accuracy)}.`);
  } else if (message.type === 'error') {
    if (message.code === 'ABORTED') finish('cancelled', 'Cancelled. The steps finished so far stay on screen.');
    else finish('error', `The experiment failed: ${message.message}`);
  }
}

function finish(status, text) {
  current = null;
  setStatus(status, text);
  el.run.disabled = false;
  el.cancel.hidden = true;
  if (status !== 'done') el.progress.value = 0;
}

function setStatus(status, text) {
  state.status = status;
  document.body.dataset.experiment = status;
  el.status.textContent = text;
  el.status.dataset.kind = status === 'error' ? 'error' : '';
}

el.run.addEventListener('click', run);
el.cancel.addEventListener('click', cancel);
el.settings.textContent = `${OPTIONS.train} training and ${OPTIONS.test} test images per class · 5 steps of ${DEFAULTS.classesPerStep} classes · ResNet-${6 * OPTIONS.blocksPerStage + 2} · ${OPTIONS.epochs} epochs per step · K = ${OPTIONS.memory} exemplars in total · seed ${OPTIONS.seed}`;
setStatus('idle', 'No camera needed. Both methods learn the same stream in a background worker.');
drawExperiment(state.results);
