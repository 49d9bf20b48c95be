// class-edits.js - adding, renaming and deleting classes. A class that has examples is renamed or
// removed in the learner itself (learner.renameClass / removeClass): a removed trained class
// loses its exemplars, mean and output, and the other classes' predictions stay as they were.
import { inLearner, learner, meta, render } from './class-state.js';
import { scheduleSave } from './saving.js';
import { settleTraining } from './training.js';
import { say } from './webcam-elements.js';

/** Adds an empty class card named "Class n" (the first free n from the card count up); returns it. */
export function addClass() {
  let n = meta.classes.length + 1;
  let name = `Class ${n}`;
  while (meta.classes.some((c) => c.name === name) || inLearner(name)) name = `Class ${++n}`;
  const entry = { id: meta.nextId++, name, samples: 0, thumbs: [] };
  meta.classes.push(entry);
  render();
  scheduleSave();
  return entry;
}

/** Renames the class of card `entry` to `wanted` (trimmed). Resolves to false when the name is
 * refused (empty, taken, or the checkpoint could not be changed): the card keeps its name. */
export async function renameClassCard(entry, wanted) {
  const name = wanted.trim();
  if (name === entry.name) return true;
  if (!name) {
    say('A class needs a name.', 'error');
    return false;
  }
  if (meta.classes.some((c) => c !== entry && c.name === name) || inLearner(name)) {
    say(`There is already a class called “${name}”.`, 'error');
    return false;
  }
  if (inLearner(entry.name)) {
    settleTraining();
    try {
      learner.renameClass(entry.name, name);
    } catch (error) {
      say(`Could not rename “${entry.name}”: ${error.message}`, 'error');
      return false;
    }
  }
  entry.name = name;
  say('');
  render();
  scheduleSave();
  return true;
}

/** Deletes the class of card `entry`, after asking when it has examples; resolves to true when
 * it is gone. */
export async function deleteClassCard(entry) {
  if (entry.samples > 0 && !confirm(`Delete the class “${entry.name}” and its ${entry.samples} examples?`)) return false;
  settleTraining();
  try {
    if (inLearner(entry.name)) learner.removeClass(entry.name);
  } catch (error) {
    say(`Could not delete “${entry.name}”: ${error.message}`, 'error');
    return false;
  }
  meta.classes = meta.classes.filter((c) => c !== entry);
  render();
  scheduleSave();
  return true;
}
