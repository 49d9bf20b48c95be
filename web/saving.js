// saving.js - save scheduling: after each change the learner's checkpoint bytes and `meta` go to
// IndexedDB together (store.js: one transaction), a burst of changes coalesced into one save after
// the running one; the storage line says where the state lives and when a save failed. A private
// window without IndexedDB keeps everything in memory and says so.
import { openStore } from './store.js';
import { learner, meta } from './class-state.js';
import { el, say } from './webcam-elements.js';

let store = null;
let persisted = null; // navigator.storage.persist()'s answer: true, false, or null (not known)
let saving = null; // the save running now, with those asked for meanwhile
let saveAgain = false;
let lastSaveFailed = false; // newer changes than the saved state live only in this tab
export let saveCount = 0;

/** Opens IndexedDB (or the in-memory fallback) and asks the browser to keep it. */
export async function openStorage() {
  store = await openStore();
  if (store.persistent && navigator.storage?.persist) {
    persisted = await navigator.storage.persisted().then((already) => already || navigator.storage.persist()).catch(() => null);
  }
}

/** The last saved {checkpoint, meta}, or null. */
export function loadSaved() {
  return store.load();
}

/** Saves learner + meta; coalesces bursts (a save that is asked for while one runs runs once after). */
export function scheduleSave() {
  if (saving) {
    saveAgain = true;
    return saving;
  }
  saving = (async () => {
    do {
      saveAgain = false;
      await saveNow();
    } while (saveAgain);
    saving = null;
  })();
  return saving;
}

async function saveNow() {
  if (!store || !learner) return;
  const bytes = learner.save();
  try {
    await store.save({ checkpoint: bytes, meta: structuredClone(meta) });
    lastSaveFailed = false;
    saveCount++;
    document.body.dataset.saves = String(saveCount);
    showStorage();
  } catch (error) {
    lastSaveFailed = true;
    if (error.code === 'UNAVAILABLE') {
      showStorage(); // already said: kept in memory only
      return;
    }
    el.storage.textContent = `Not saved: ${error.message}. Export the model to keep it.`;
    el.storage.dataset.kind = 'error';
    if (error.code === 'QUOTA') say('Storage is full: the last saved state is kept; newer changes live only in this tab. Export the model to keep them.', 'error');
  }
}

export function showStorage() {
  if (!store.persistent) {
    el.storage.textContent = `Kept in memory only: ${store.problem?.message ?? 'IndexedDB is unavailable'}. Export the model to keep it.`;
    el.storage.dataset.kind = 'error';
    return;
  }
  el.storage.dataset.kind = '';
  el.storage.textContent = `Saved in this browser${persisted === true ? ' (persistent storage)' : persisted === false ? ' (the browser may clear it when space runs low)' : ''}. Images never leave this machine.`;
}

/** Resolves when the save running now (and those asked for meanwhile) is done. */
export function currentSave() {
  return saving ?? Promise.resolve();
}

/** Resolves once no save runs, waiting for any that starts meanwhile too. */
export async function savesSettled() {
  while (saving) await saving;
}

/** True when the state in this tab may be newer than what the browser keeps: the last save
 * failed, or there is no IndexedDB. */
export function mayBeUnsaved() {
  return lastSaveFailed || !store?.persistent;
}

/** Waits for the running save, then removes everything saved (Reset). */
export async function clearSaved() {
  await saving;
  await store?.clear();
}
