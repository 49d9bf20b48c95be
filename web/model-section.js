// model-section.js - the Model section: "Export model" downloads the checkpoint bytes (the same
// format as the native icarl tool), "Import model" replaces the learner with a file's, "Reset"
// forgets everything in this browser.
import { freshMeta, learner, meta, newLearner, openLearner, replaceLearner } from './class-state.js';
import { element } from './dom.js';
import { stopRecording } from './recording.js';
import { clearSaved, scheduleSave } from './saving.js';
import { abandonTraining, clearTrainingStatus, isTraining } from './training.js';
import { el, say } from './webcam-elements.js';

function exportModel() {
  const bytes = learner.save();
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = element('a', { href: url, download: 'icarl-model.icarl' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  say(`Exported ${(bytes.length / 1e6).toFixed(1)} MB (the same format as the native icarl tool).`);
}

/** Loads `file` as the learner; its classes get fresh cards, keeping the sample counts and
 * thumbnails of cards with the same name. */
async function importModel(file) {
  if (!file) return;
  try {
    const next = await openLearner(await file.arrayBuffer());
    const names = new Set(next.classes);
    const previousCards = new Map(meta.classes.map((c) => [c.name, c]));
    replaceLearner(next, { meta: freshMeta(), previousCards });
    say(`Imported “${file.name}”: ${names.size} class${names.size === 1 ? '' : 'es'}.`);
    scheduleSave();
  } catch (error) {
    say(`Could not import “${file.name}”: ${error.message}`, 'error');
  }
}

async function resetAll() {
  if (!confirm('Reset forgets every class, every example and the trained model in this browser. Continue?')) return;
  stopRecording();
  abandonTraining();
  try {
    await clearSaved();
  } catch (error) {
    say(`Could not clear the saved state: ${error.message}`, 'error');
  }
  replaceLearner(await newLearner(), { meta: freshMeta() });
  clearTrainingStatus();
  say('Everything was reset.');
}

export function wireModelSection() {
  el.exportButton.addEventListener('click', exportModel);
  el.importButton.addEventListener('click', () => el.importFile.click());
  el.importFile.addEventListener('change', () => {
    const file = el.importFile.files[0];
    el.importFile.value = '';
    importModel(file);
  });
  el.reset.addEventListener('click', resetAll);
}

/** No import while a step trains (its result would replace the imported learner). */
export function renderModelButtons() {
  el.importButton.disabled = isTraining();
  el.reset.disabled = false;
}
