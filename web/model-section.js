// model-section.js - the Model section: "Export model" downloads the checkpoint bytes (the same
// format as the native icarl tool) and opens a dialog that says how to use the file in one's own
// page, in Node and on the command line; "Import model" replaces the learner with a file's, after
// asking when there are classes to lose; "Reset" forgets everything in this browser.
import { freshMeta, learner, meta, newLearner, openLearner, replaceLearner } from './class-state.js';
import { element } from './dom.js';
import { stopRecording } from './recording.js';
import { clearSaved, scheduleSave } from './saving.js';
import { abandonTraining, clearTrainingStatus, isTraining, settleTraining } from './training.js';
import { el, say } from './webcam-elements.js';

const EXPORT_NAME = 'icarl-model.icarl';

function exportModel() {
  const bytes = learner.save();
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = element('a', { href: url, download: EXPORT_NAME });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  say(`Exported ${(bytes.length / 1e6).toFixed(1)} MB as ${EXPORT_NAME}.`);
  el.exportDialog.showModal(); // closing it gives the focus back to "Export model"
}

/** "Class A, Class B and 3 more". */
function someNames(names) {
  const shown = names.slice(0, 3).map((name) => `“${name}”`);
  if (names.length > 3) return `${shown.join(', ')} and ${names.length - 3} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : shown[0];
}

/** Loads `file` as the learner, after the person agreed to lose the classes here; its classes
 * get fresh cards with the file's image counts and its exemplars as thumbnails. */
async function importModel(file) {
  if (!file) return;
  const here = meta.classes.map((c) => c.name);
  if (here.length && !confirm(`Import “${file.name}”? It replaces the ${here.length === 1 ? 'class' : `${here.length} classes`} here (${someNames(here)}) and their examples. Export the model first to keep them.`)) {
    return;
  }
  try {
    const next = await openLearner(await file.arrayBuffer());
    settleTraining();
    replaceLearner(next, { meta: freshMeta() });
    const count = next.classes.length;
    say(`Imported “${file.name}”: ${count} class${count === 1 ? '' : 'es'}.`);
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
