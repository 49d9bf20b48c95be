// prediction.js - the Prediction region: on every video frame the learner classifies the camera's
// centre square, and the region shows the best class, its confidence and one bar per trained class;
// before any class is trained it says what is needed. Paused while the Experiment tab is shown.
import { cameraReady, grabFrame } from './camera-panel.js';
import { hasTrained, learner, trainedClasses } from './class-state.js';
import { element } from './dom.js';
import { el } from './webcam-elements.js';

/** Predictions per second and the time one classification takes (for tests and curious people). */
export const predictionStats = { predictions: 0, windowStart: performance.now(), perSecond: 0, classifyMs: 0 };
let barRows = new Map(); // label -> {li, fill, value}

/** The bars (one per trained class, remade only when that list changes) and, before any class
 * is trained, what the region waits for. */
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
  if (!hasTrained()) {
    el.predictedLabel.textContent = 'No prediction yet';
    el.predictedDetail.textContent = cameraReady ? '— record examples for a class and press Train.' : '— it needs a camera picture and a trained class.';
    el.rate.textContent = '';
  }
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
