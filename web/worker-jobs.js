// worker-jobs.js - the worker's end that both page workers (worker.js, experiment-worker.js)
// share: each start message runs one job under its id, {type: 'cancel', id} aborts it, a failure
// goes back as {type: 'error', id, code, message}, and progress goes back at a bounded rate.

/** Runs runJob(message, signal) for every message of type `startType`; the signal aborts on that
 * id's cancel. */
export function serveJobs(startType, runJob) {
  const running = new Map(); // id -> AbortController
  self.onmessage = async (event) => {
    const message = event.data;
    if (message.type === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    if (message.type !== startType) return;
    const controller = new AbortController();
    running.set(message.id, controller);
    try {
      await runJob(message, controller.signal);
    } catch (error) {
      self.postMessage({ type: 'error', id: message.id, code: error?.code ?? 'ERROR', message: error?.message ?? String(error), published: error?.published ?? 0 });
    } finally {
      running.delete(message.id);
    }
  };
}

/** A progress callback for job `id` that posts {type: 'progress', id, progress, elapsed} at most
 * once per `intervalMs`, except for progress that `always(progress)` accepts; elapsed: seconds
 * since this call. */
export function progressPoster(id, intervalMs, always = () => false) {
  const started = performance.now();
  let lastPost = 0;
  return (progress) => {
    const time = performance.now();
    if (time - lastPost < intervalMs && !always(progress)) return;
    lastPost = time;
    self.postMessage({ type: 'progress', id, progress, elapsed: (time - started) / 1000 });
  };
}
