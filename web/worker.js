// worker.js - the page's training worker (a module worker): it receives checkpoint bytes, runs one
// incremental iCaRL step on them with icarl.js and sends back checkpoint bytes, reporting progress
// on the way: first a publication of what the step has learned after PUBLISH_AFTER seconds (usable
// at once), then improved ones every PUBLISH_EVERY seconds, and the final learner when the step
// has converged. It keeps no state between steps: the page's own learner stays the one source of
// truth, so a cancelled or failed step changes nothing beyond its last publication. It loads the
// engine 'auto': the threads build where the page is cross-origin isolated (the page's own learner
// stays single-thread). training.js is the page's end of these messages.
//
// Messages in:  {type: 'train', id, checkpoint: ArrayBuffer, epochs?, settings?, relaxedSimd?}   {type: 'cancel', id}
// Messages out: {type: 'progress', id, progress, elapsed}
//               {type: 'published', id, checkpoint: ArrayBuffer, published, updates, plannedUpdates, seconds}
//               {type: 'done', id, checkpoint: ArrayBuffer, loss, seconds, updates, phaseSeconds, flavour, relaxedSimd, threads}
//               {type: 'error', id, code, message, published}
import { loadLearner } from './icarl.js';
import { progressPoster, serveJobs } from './worker-jobs.js';

// Predictions within seconds of Train, then better ones while the step trains on: the first
// publication leaves time for its herding and class means and for the page to load it, within
// 5 s of Train. Each publication herds and averages every new class's exemplars again (with their
// calibration views), about 1.5 s of a 3-class step at 40x40 on a 2-core machine: every 5 s that
// was a third of the step's time, every 15 s it is about a tenth; and none comes when the step
// would end within 5 s of it anyway (icarl.js).
const PUBLISH_AFTER = 2;
const PUBLISH_EVERY = 15;

serveJobs('train', async ({ id, checkpoint, epochs, settings, relaxedSimd }, signal) => {
  const onProgress = progressPoster(id, 80, (progress) => progress.phase === 'done'); // ~12 updates/s is plenty
  let learner = null;
  try {
    learner = await loadLearner(checkpoint, { relaxedSimd });
    // The page's ?epochs=N asks for exactly N epochs: the epochs schedule, not a floor of updates.
    if (epochs) learner.reconfigure({ schedule: 'epochs', epochs });
    if (settings && Object.keys(settings).length) learner.reconfigure(settings);
    const onPublish = (publication) => {
      const bytes = learner.save();
      self.postMessage({ type: 'published', id, checkpoint: bytes.buffer, ...publication }, [bytes.buffer]);
    };
    const result = await learner.train({ signal, onProgress, onPublish, publishAfterSeconds: PUBLISH_AFTER, publishEverySeconds: PUBLISH_EVERY });
    const bytes = learner.save();
    // phaseSeconds and threads: what the step's time went to, for bench/webcam-step.mjs
    self.postMessage({ type: 'done', id, checkpoint: bytes.buffer, loss: result.loss, seconds: result.seconds, updates: result.updates, phaseSeconds: result.phaseSeconds, flavour: learner.engineFlavour, relaxedSimd: learner.relaxedSimd, threads: learner.threads }, [bytes.buffer]);
  } finally {
    learner?.dispose();
  }
});
