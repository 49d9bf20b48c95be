// background-worker.js - the page's end of a module worker that runs long jobs (a training step,
// the experiment): started on the first message, dropped when it fails, so that the next job
// starts a fresh one. What the messages mean is up to the caller (training.js, experiment-page.js).
export class BackgroundWorker {
  #url;
  #onMessage;
  #onFailure;
  #worker = null;

  /** onMessage(event) gets every message; onFailure(text) hears of an uncaught error in the
   * worker, after which the worker is gone. */
  constructor(url, { onMessage, onFailure }) {
    this.#url = url;
    this.#onMessage = onMessage;
    this.#onFailure = onFailure;
  }

  /** Posts to the worker, starting it first when none runs. */
  post(message, transfer = []) {
    this.#started().postMessage(message, transfer);
  }

  /** Posts only to a worker that runs (a cancel needs no new worker). */
  postIfRunning(message) {
    this.#worker?.postMessage(message);
  }

  terminate() {
    this.#worker?.terminate();
    this.#worker = null;
  }

  #started() {
    if (!this.#worker) {
      this.#worker = new Worker(this.#url, { type: 'module' });
      this.#worker.onmessage = this.#onMessage;
      this.#worker.onerror = (event) => {
        event.preventDefault?.();
        this.#onFailure(event.message ?? 'unknown error');
        this.terminate();
      };
    }
    return this.#worker;
  }
}
