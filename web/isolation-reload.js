// isolation-reload.js - the isolation reload policy, on a static host that sends no COOP/COEP
// headers. Its first visit is not cross-origin isolated, so the training worker runs the
// single-thread engine. The service worker adds the headers to what it serves, but this document
// was fetched before it existed: once it takes control, one reload makes the page isolated (and
// training uses threads). The page reloads itself only if
//   - it is not isolated and a service worker controls it (it just took over, or it already did
//     at load: a browser that ignores the headers, an older worker);
//   - it has not done so before in this tab: sessionStorage remembers the reload, so it happens at
//     most once per tab and can never loop (also where the headers have no effect);
//   - nothing is going on: the page has finished starting, no training, no recording, no edit
//     that awaits a file or a learner, no experiment run or results in the Experiment tab; the
//     running save is awaited, and a state that could not be saved (no IndexedDB, a failed write)
//     is never thrown away. When something is going on it does not reload at all: the next load
//     is isolated anyway (the worker serves it).
// The decision is shown in body[data-isolation-reload] (for tests and curious people).
// One entry point: watchIsolation(started).
import { details, editsRunning, meta } from './class-state.js';
import { isRecording } from './recording.js';
import { mayBeUnsaved, savesSettled } from './saving.js';
import { isTraining } from './training.js';

const ISOLATION_RELOAD_KEY = 'icarl-isolation-reload';

function busyReason() {
  if (isTraining()) return 'training';
  if (isRecording()) return 'recording';
  if (editsRunning > 0) return 'editing';
  const experiment = document.body.dataset.experiment;
  if (experiment && experiment !== 'idle') return 'experiment';
  return null;
}

/** True when this tab already reloaded for isolation, or cannot remember that it did. */
function reloadedInThisTab() {
  try {
    return sessionStorage.getItem(ISOLATION_RELOAD_KEY) !== null;
  } catch {
    return true;
  }
}

/** Reloads the page once for isolation when the policy above allows it; `started` resolves when
 * the page has finished starting. */
export function watchIsolation(started) {
  if (self.crossOriginIsolated || !('serviceWorker' in navigator)) return;
  let deciding = false;
  const decide = (text) => {
    document.body.dataset.isolationReload = text;
  };
  const consider = async () => {
    if (deciding || self.crossOriginIsolated || !navigator.serviceWorker.controller) return;
    deciding = true;
    try {
      await started;
      if (reloadedInThisTab()) return decide('once-already');
      let busy = busyReason();
      if (busy) return decide(`busy: ${busy}`);
      await savesSettled(); // a save in flight finishes first
      busy = busyReason(); // (something may have started meanwhile)
      if (busy) return decide(`busy: ${busy}`);
      const hasState = meta.classes.length > 0 || details().length > 0;
      if (hasState && mayBeUnsaved()) return decide('unsaved');
      try {
        sessionStorage.setItem(ISOLATION_RELOAD_KEY, String(Date.now()));
      } catch {
        return decide('no-session-storage'); // no way to make sure it happens only once
      }
      decide('reloading');
      location.reload();
    } catch (error) {
      console.warn('isolation reload:', error);
    } finally {
      deciding = false;
    }
  };
  navigator.serviceWorker.addEventListener('controllerchange', consider);
  consider(); // already controlled at load, but not isolated
}
