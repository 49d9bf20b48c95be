// app.js - the webcam teaching page (its contract: docs/design.md, "The page"): camera, classes,
// hold-to-record, training in a Web Worker, live prediction, memory view, persistence to
// IndexedDB, export/import/reset, offline. This module starts the Webcam tab and joins its roles,
// one file each:
//   class-state.js       THE learner and the class cards' metadata; render()
//   saving.js            save scheduling to IndexedDB (store.js) and the storage line
//   camera-panel.js      the camera (camera.js), its list, the mirror switch, frame grabbing,
//                        the guide square of what the learner sees
//   recording.js         hold to record, image files
//   class-edits.js       add, rename, delete a class
//   class-cards.js       the class cards
//   thumbnails.js        the cards' pictures, from frames and from a checkpoint's exemplars
//   training.js          the page's end of the training worker (worker.js); time-left.js
//   prediction.js        live prediction, and what to do next before there is one
//   memory-view.js       the exemplar memory
//   model-section.js     export (and how to use the file elsewhere), import, reset
//   isolation-reload.js  the one reload that makes a static host's page cross-origin isolated
//   webcam-elements.js   the tab's elements and its notice line
// Until start() is done the page shows "Preparing…" and its controls are inert (index.html):
// whatever a person does from then on is kept, because no reload can come after it.
import { addClassCard, renderClassCards } from './class-cards.js';
import { renderViewGuide, setupCamera, wireCameraPanel } from './camera-panel.js';
import { freshMeta, learner, meta, newLearner, openLearner, replaceLearner, setRenderer } from './class-state.js';
import { registerServiceWorker, reloadBeforeStart } from './isolation-reload.js';
import { renderMemory } from './memory-view.js';
import { renderModelButtons, wireModelSection } from './model-section.js';
import { predictionStats, renderPrediction, startPredicting } from './prediction.js';
import { stopRecording } from './recording.js';
import { currentSave, loadSaved, openStorage, saveCount, showStorage } from './saving.js';
import { cancelTraining, lastStep, renderTrainControls, train } from './training.js';
import { el, say } from './webcam-elements.js';

window.icarlPage = { // for tests and curious people
  get stats() { return { ...predictionStats, saves: saveCount }; },
  get learner() { return learner; },
  get meta() { return meta; },
  lastStep,
  saved: currentSave,
};

setRenderer(() => {
  renderViewGuide();
  renderClassCards();
  renderTrainControls();
  renderModelButtons();
  renderPrediction();
  renderMemory();
});

/** The learner and meta saved in this browser, or a new learner; says when the saved state
 * cannot be used. */
async function restore() {
  let restored = null;
  try {
    restored = await loadSaved();
  } catch (error) {
    say(`The saved state could not be read (${error.message}); starting empty.`, 'error');
  }
  let next;
  let nextMeta = meta;
  try {
    if (restored?.checkpoint) {
      next = await openLearner(restored.checkpoint);
      nextMeta = restored.meta ?? freshMeta();
    } else {
      next = await newLearner();
      if (restored?.meta) nextMeta = restored.meta;
    }
  } catch (error) {
    say(`The saved model could not be loaded (${error.message}); starting empty. Your previous data stays saved until you teach something new.`, 'error');
    next = await newLearner();
  }
  replaceLearner(next, { meta: nextMeta });
}

async function start() {
  await reloadBeforeStart(registerServiceWorker(), el.preparing);
  wireCameraPanel();
  el.addClass.addEventListener('click', addClassCard);
  el.train.addEventListener('click', train);
  el.cancel.addEventListener('click', cancelTraining);
  wireModelSection();
  window.addEventListener('pagehide', stopRecording);

  const cameraStarted = setupCamera();
  await openStorage();
  await restore();
  showStorage();
  await cameraStarted;
  startPredicting();
}

/** Ends "Preparing…": the controls take input from now on. */
function acceptInput() {
  el.preparing.hidden = true;
  el.app.inert = false;
}

start().then(() => {
  acceptInput();
  document.body.dataset.ready = 'true';
}, (error) => {
  console.error(error);
  acceptInput(); // the Experiment tab works without the webcam's part
  say(`The page could not start: ${error.message}`, 'error');
  document.body.dataset.ready = 'error';
});
