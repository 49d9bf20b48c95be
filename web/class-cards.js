// class-cards.js - the Classes panel's cards, one per entry of meta.classes (index.html's
// #class-template): name box, "Hold to record", "Add images" (or drop files), "Delete class",
// the sample count and the latest thumbnails. Cards are made once per class and kept in order
// without being moved when they already are (moving a node takes the focus out of it), so the
// keyboard stays where the person is.
import { cameraReady } from './camera-panel.js';
import { details, meta } from './class-state.js';
import { addClass, deleteClassCard, renameClassCard } from './class-edits.js';
import { $, element } from './dom.js';
import { addFiles, wireRecordButton } from './recording.js';
import { THUMB_SIDE } from './thumbnails.js';
import { isTraining, renderTrainControls } from './training.js';
import { el } from './webcam-elements.js';

const cards = new Map(); // class id -> {root, input, count, record, upload, uploadFile, remove, thumbs}

/** "Add class": a new card, its name box focused and selected for typing. */
export function addClassCard() {
  const card = cards.get(addClass().id);
  card?.input.focus();
  card?.input.select();
}

export function renderClassCards() {
  const busy = isTraining();
  const byName = new Map(details().map((d) => [d.name, d]));
  // Cards: create missing ones, drop stale ones, keep order.
  const wanted = new Set(meta.classes.map((c) => c.id));
  for (const [id, card] of cards) {
    if (!wanted.has(id)) {
      card.root.remove();
      cards.delete(id);
    }
  }
  let previous = null;
  for (const entry of meta.classes) {
    const card = cards.get(entry.id) ?? makeCard(entry);
    const expected = previous ? previous.nextElementSibling : el.classes.firstElementChild;
    if (card.root !== expected) {
      if (previous) previous.after(card.root);
      else el.classes.prepend(card.root);
    }
    previous = card.root;
    updateCard(entry, byName.get(entry.name));
    card.input.disabled = busy;
    card.remove.disabled = busy;
    card.record.disabled = !cameraReady;
    card.record.title = cameraReady ? 'Press and hold (or hold Space) while showing the object' : 'No camera picture: add images instead';
  }
  el.classesHint.hidden = meta.classes.some((c) => c.samples > 0);
}

/** The card's name, sample count (with the learner's state of the class, `detail`, when given)
 * and thumbnails. */
function updateCard(entry, detail) {
  const card = cards.get(entry.id);
  if (!card) return;
  card.root.dataset.name = entry.name;
  if (document.activeElement !== card.input) card.input.value = entry.name;
  const state = detail ? (detail.pending > 0 ? (detail.trained ? ` · ${detail.pending} new` : ' · not trained yet') : ' · trained') : '';
  card.count.textContent = `${entry.samples} sample${entry.samples === 1 ? '' : 's'}${state}`;
  const shown = card.thumbs.childElementCount;
  if (shown !== entry.thumbs.length || card.thumbs.lastElementChild?.src !== entry.thumbs.at(-1)) {
    card.thumbs.replaceChildren(...entry.thumbs.map((src) => element('img', { src, alt: '', width: THUMB_SIDE, height: THUMB_SIDE })));
  }
}

function makeCard(entry) {
  const root = el.template.content.firstElementChild.cloneNode(true);
  const card = {
    root,
    input: $('.class-name', root),
    count: $('.count', root),
    record: $('.record', root),
    upload: $('.upload', root),
    uploadFile: $('.upload-file', root),
    remove: $('.delete', root),
    thumbs: $('.thumbs', root),
  };
  card.input.value = entry.name;
  // A name is taken on Enter or when the box loses focus; Enter and Escape leave the focus in it.
  const takeName = async () => {
    if (!(await renameClassCard(entry, card.input.value))) card.input.value = entry.name;
  };
  card.input.addEventListener('change', takeName);
  card.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      takeName();
    } else if (event.key === 'Escape') {
      card.input.value = entry.name;
    }
  });
  // While recording (ten frames a second) only this card and Train change, so only they are redrawn.
  wireRecordButton(card.record, entry, () => {
    updateCard(entry);
    renderTrainControls();
  });
  card.upload.addEventListener('click', () => card.uploadFile.click());
  card.uploadFile.addEventListener('change', () => {
    const files = [...card.uploadFile.files];
    card.uploadFile.value = '';
    addFiles(entry, files);
  });
  root.addEventListener('dragover', (event) => {
    event.preventDefault();
    root.classList.add('drop');
  });
  root.addEventListener('dragleave', () => root.classList.remove('drop'));
  root.addEventListener('drop', (event) => {
    event.preventDefault();
    root.classList.remove('drop');
    addFiles(entry, [...(event.dataTransfer?.files ?? [])]);
  });
  card.remove.addEventListener('click', async () => {
    // The focus goes to the card that takes this one's place (or "Add class"), not to the page.
    const neighbour = root.nextElementSibling ?? root.previousElementSibling;
    if (!(await deleteClassCard(entry))) return;
    (neighbour ? $('.class-name', neighbour) : el.addClass).focus();
  });
  cards.set(entry.id, card);
  return card;
}
