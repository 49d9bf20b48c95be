// experiment-worker.js - the Experiment mode's worker (a module worker): it fetches the
// Fashion-MNIST subset once (from the service worker's cache when offline), runs experiment.js's
// class-incremental protocol for iCaRL and finetuning, and streams progress and per-step results
// to the page. A separate worker from worker.js, so an experiment and a webcam training step can
// run side by side without sharing message ids or state.
//
// Messages in:  {type: 'run', id, options}   {type: 'cancel', id}
// Messages out: {type: 'progress', id, progress, elapsed}   {type: 'result', id, result}
//               {type: 'done', id, seconds, flavour}   {type: 'error', id, code, message}
import { createLearner } from './icarl.js';
import { maybeGunzip, parseSubset, runExperiment } from './experiment.js';
import { progressPoster, serveJobs } from './worker-jobs.js';

const DATA_URL = new URL('./data/fashion-subset.bin', import.meta.url);
let subsetPromise = null;

function loadSubset() {
  subsetPromise ??= (async () => {
    const response = await fetch(DATA_URL);
    if (!response.ok) {
      throw Object.assign(new Error(`the experiment data ${DATA_URL.pathname} is missing (HTTP ${response.status}); build-scripts/build.sh makes it`), { code: 'NO_DATA' });
    }
    return parseSubset(await maybeGunzip(await response.arrayBuffer()));
  })();
  subsetPromise.catch(() => { subsetPromise = null; }); // a failed download may be retried
  return subsetPromise;
}

serveJobs('run', async ({ id, options }, signal) => {
  const onProgress = progressPoster(id, 100); // ten updates a second are plenty
  const subset = await loadSubset();
  if (signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'ABORTED' });
  const { seconds, flavour } = await runExperiment(subset, options, {
    createLearner,
    signal,
    onProgress,
    onResult: (result) => self.postMessage({ type: 'result', id, result }),
  });
  self.postMessage({ type: 'done', id, seconds, flavour });
});
