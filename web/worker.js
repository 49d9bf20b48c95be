// worker.js - the page's training worker (a module worker): it receives checkpoint bytes, runs one
// incremental iCaRL step on them with icarl.js and sends back the new checkpoint bytes, reporting
// progress on the way. It keeps no state between steps: the page's own learner stays the one
// source of truth, so a cancelled or failed step changes nothing. It loads the engine 'auto': the
// threads build where the page is cross-origin isolated (the page's own learner stays single-thread).
// training.js is the page's end of these messages.
//
// Messages in:  {type: 'train', id, checkpoint: ArrayBuffer, epochs?}   {type: 'cancel', id}
// Messages out: {type: 'progress', id, progress, elapsed}
//               {type: 'done', id, checkpoint: ArrayBuffer, loss, seconds, phaseSeconds, flavour, threads}
//               {type: 'error', id, code, message}
import { loadLearner } from './icarl.js';
import { progressPoster, serveJobs } from './worker-jobs.js';

serveJobs('train', async ({ id, checkpoint, epochs }, signal) => {
  const onProgress = progressPoster(id, 80, (progress) => progress.phase === 'done'); // ~12 updates/s is plenty
  let learner = null;
  try {
    learner = await loadLearner(checkpoint);
    const result = await learner.train({ epochs: epochs || undefined, signal, onProgress });
    const bytes = learner.save();
    // phaseSeconds and threads: what the step's time went to, for bench/webcam-step.mjs
    self.postMessage({ type: 'done', id, checkpoint: bytes.buffer, loss: result.loss, seconds: result.seconds, phaseSeconds: result.phaseSeconds, flavour: learner.engineFlavour, threads: learner.threads }, [bytes.buffer]);
  } finally {
    learner?.dispose();
  }
});
