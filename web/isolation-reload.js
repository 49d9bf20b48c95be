// isolation-reload.js - the one reload that makes a page on a static host cross-origin isolated,
// decided at start-up. A host that sends no COOP/COEP headers serves a first visit that is not
// isolated (the training worker then runs the single-thread engine). The service worker adds the
// headers to what it serves, but this document was fetched before the worker existed: one reload,
// once the worker controls the page, makes it isolated. That reload happens only while the page
// still shows "Preparing…" and its controls are inert, never once a person can type, add or record
// anything, so nothing they do is ever lost to it. app.js awaits reloadBeforeStart() before it
// starts the camera, the storage and the controls. The page reloads only if
//   - it is not isolated and its service worker registered;
//   - this tab has not reloaded for it before: sessionStorage remembers, so it happens at most
//     once per tab and can never loop (a browser where the headers have no effect);
//   - the worker controls the page already (a browser that ignored the headers, an older worker),
//     or takes control within PREPARE_LIMIT_MS (a first visit: the worker installs, precaches the
//     page and claims it).
// Otherwise the page starts as it is and does not reload later: the next visit is isolated anyway.
// The decision is shown in body[data-isolation-reload] (for tests and curious people).

const ISOLATION_RELOAD_KEY = 'icarl-isolation-reload';
// How long a first visit waits for its service worker before it starts without isolation: about
// a second on a local network, so this bounds only a slow download of the precached files (about
// 2 MB) or a very busy machine.
const PREPARE_LIMIT_MS = 8000;
// An active worker that does not control the page (a hard reload) will not claim it; its
// controllerchange may still be on its way, so it gets a short grace.
const ALREADY_ACTIVE_GRACE_MS = 300;

const decide = (text) => {
  document.body.dataset.isolationReload = text;
};

/** True when this tab already reloaded for isolation, or cannot remember that it did. */
function reloadedInThisTab() {
  try {
    return sessionStorage.getItem(ISOLATION_RELOAD_KEY) !== null;
  } catch {
    return true;
  }
}

/** Registers the page's service worker (offline use, and the isolation headers); resolves to its
 * registration, or null where there is none. */
export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.register('./sw.js').catch((error) => {
    console.warn('service worker:', error);
    return null;
  });
}

/** Resolves when the page may start, or reloads it (and never resolves) when the policy above
 * says so. `registering` is registerServiceWorker()'s promise; `preparing` the element that says
 * "Preparing…", which says why while the page waits for the worker. */
export async function reloadBeforeStart(registering, preparing) {
  if (self.crossOriginIsolated) return decide('isolated');
  if (!('serviceWorker' in navigator)) return decide('no-service-worker');
  // Listen before anything is awaited: the worker may claim the page at any moment.
  const claimed = new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  const registration = await registering;
  if (!registration) return decide('no-service-worker');
  if (reloadedInThisTab()) return decide('once-already');
  if (!navigator.serviceWorker.controller) {
    preparing.textContent = 'Preparing this page for offline use…';
    const limit = registration.active?.state === 'activated' ? ALREADY_ACTIVE_GRACE_MS : PREPARE_LIMIT_MS;
    const inTime = await Promise.race([claimed.then(() => true), new Promise((resolve) => setTimeout(resolve, limit, false))]);
    if (!inTime) return decide('not-controlled-in-time');
  }
  try {
    sessionStorage.setItem(ISOLATION_RELOAD_KEY, String(Date.now()));
  } catch {
    return decide('no-session-storage'); // no way to make sure it happens only once
  }
  decide('reloading');
  location.reload();
  return new Promise(() => {}); // the page goes away; nothing after this may start
}
