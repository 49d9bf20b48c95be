// prediction.js - the Prediction region: on every video frame the learner classifies the camera's
// centre square, and the region shows the best class and how sure it is, or "Not sure" (with the
// nearest class in small print) when the frame resembles none of the trained classes, and one bar
// per trained class; until a class is trained it says what the next thing to do is. Paused while the Experiment tab is
// shown. The region is a polite live region: its label changes only when the predicted class does
// (the confidence and bars, which change every frame, are hidden from assistive technology).
import { cameraReady, grabFrame } from './camera-panel.js';
import { hasTrained, learner, meta, trainedClasses } from './class-state.js';
import { element } from './dom.js';
import { trainingState } from './training.js';
import { el } from './webcam-elements.js';

/** Predictions per second and the time one classification takes (for tests and curious people). */
export const predictionStats = { predictions: 0, windowStart: performance.now(), perSecond: 0, classifyMs: 0 };
let barRows = new Map(); // label -> {li, fill, value}

/** Sets a text only when it changes: rewriting the same words would be announced again. */
function show(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** What the region says while it cannot predict: the next thing to do, in this order. */
function waitingHint() {
  if (!cameraReady) return hasTrained() ? '— it needs a camera picture.' : '— it needs a camera picture and a trained class.';
  if (trainingState() === 'training') return '— learning now; the first predictions come in a few seconds.';
  if (meta.classes.length === 0) return '— add a class and record examples of it.';
  if (!meta.classes.some((c) => c.samples > 0)) return '— hold “Hold to record” while showing the object.';
  return '— press Train to learn the examples.';
}

/** The bars (one per trained class, remade only when that list changes) and, while there is
 * nothing to predict with or from, what the region waits for. */
export function renderPrediction() {
  const trained = trainedClasses();
  const key = trained.map((d) => d.name).join('\n');
  if (el.bars.dataset.key !== key) {
    el.bars.dataset.key = key;
    barRows = new Map();
    el.bars.replaceChildren(...trained.map((d) => {
      const fill = element('span', { className: 'bar-fill' });
      const value = element('span', { className: 'bar-value', textContent: '' });
      const li = element('li', {}, [
        element('span', { className: 'bar-name', textContent: d.name }),
        element('span', { className: 'bar-track' }, [fill]),
        value,
      ]);
      barRows.set(d.name, { li, fill, value });
      return li;
    }));
  }
  if (!hasTrained() || !cameraReady) {
    show(el.predictedLabel, 'No prediction yet');
    show(el.predictedDetail, waitingHint());
    show(el.predictedConfidence, '');
    show(el.rate, '');
  } else if (el.predictedLabel.textContent === 'No prediction yet') {
    show(el.predictedDetail, '— starting…'); // until the next camera frame is classified
  }
}

/** The region's words for one classification: the class and how sure the learner is of it, by the
 * class's own calibration (0% at its "unknown" threshold, 100% at its typical similarity, so a
 * poor match is never shown as certain); or "Not sure" and the nearest class. */
function describe(result) {
  if (result.unknown) return { label: 'Not sure', confidence: `· closest: ${result.label}` };
  return { label: result.label, confidence: `· ${Math.round(100 * result.confidence)}% sure` };
}

function predictFrame() {
  if (!learner || !cameraReady || !hasTrained()) return;
  if (document.body.dataset.mode === 'experiment') return; // its tab is hidden: leave the CPU to the experiment
  const image = grabFrame();
  if (!image) return;
  const start = performance.now();
  const result = learner.classify(image);
  const stats = predictionStats;
  stats.classifyMs = stats.classifyMs * 0.9 + (performance.now() - start) * 0.1;
  const scores = result.scores;
  if (!scores.length) return;
  // Each bar: how much the frame looks like that class by the class's own standard.
  const confidences = scores.map((s) => s.confidence ?? 0);
  const words = describe(result);
  show(el.predictedLabel, words.label);
  show(el.predictedDetail, '');
  show(el.predictedConfidence, words.confidence);
  scores.forEach((s, i) => {
    const row = barRows.get(s.label);
    if (!row) return;
    row.fill.style.width = `${(confidences[i] * 100).toFixed(1)}%`;
    row.value.textContent = `${Math.round(confidences[i] * 100)}%`;
    row.li.classList.toggle('best', i === 0 && !result.unknown);
  });
  stats.predictions++;
  const now = performance.now();
  if (now - stats.windowStart >= 1000) {
    stats.perSecond = (stats.predictions * 1000) / (now - stats.windowStart);
    stats.predictions = 0;
    stats.windowStart = now;
    el.rate.textContent = `Prediction: ${stats.perSecond.toFixed(0)} frames a second, ${stats.classifyMs.toFixed(1)} ms each, on the ${learner.engineFlavour} engine.`;
  }
}

/** Predicts on every new video frame from now on (on every animation frame where the browser
 * cannot tell video frames). */
export function startPredicting() {
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
