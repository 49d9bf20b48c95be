// worker.js - the page's training worker (a module worker): it receives checkpoint bytes, runs one
// incremental iCaRL step on them with icarl.js and sends back the new checkpoint bytes, reporting
// progress on the way. It keeps no state between steps: the page's own learner stays the one
// source of truth, so a cancelled or failed step changes nothing. It loads the engine 'auto': the
// threads build where the page is cross-origin isolated (the page's own learner stays single-thread).
//
// Messages in:  {type: 'train', id, checkpoint: ArrayBuffer, epochs?}   {type: 'cancel', id}
// Messages out: {type: 'progress', id, progress, elapsed}
//               {type: 'done', id, checkpoint: ArrayBuffer, loss, seconds, phaseSeconds, flavour, threads}
//               {type: 'error', id, code, message}
import { loadLearner } from './icarl.js';

const running = new Map(); // id -> AbortController

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.type !== 'train') return;
  const { id, checkpoint, epochs } = message;
  const controller = new AbortController();
  running.set(id, controller);
  let learner = null;
  const started = performance.now();
  try {
    learner = await loadLearner(checkpoint);
    let lastPost = 0;
    const result = await learner.train({
      epochs: epochs || undefined,
      signal: controller.signal,
      onProgress: (progress) => {
        const time = performance.now();
        if (time - lastPost < 80 && progress.phase !== 'done') return; // ~12 updates/s is plenty
        lastPost = time;
        self.postMessage({ type: 'progress', id, progress, elapsed: (time - started) / 1000 });
      },
    });
    const bytes = learner.save();
    // phaseSeconds and threads: what the step's time went to, for bench/webcam-step.mjs
    self.postMessage({ type: 'done', id, checkpoint: bytes.buffer, loss: result.loss, seconds: result.seconds, phaseSeconds: result.phaseSeconds, flavour: learner.engineFlavour, threads: learner.threads }, [bytes.buffer]);
  } catch (error) {
    self.postMessage({ type: 'error', id, code: error?.code ?? 'ERROR', message: error?.message ?? String(error) });
  } finally {
    running.delete(id);
    learner?.dispose();
  }
};
