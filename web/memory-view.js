// memory-view.js - the Memory section in plain words: how many example images the learner keeps
// of at most K (index.html explains K one click away), and per trained class how many it keeps
// of the images its steps learned from.
import { details, learner, meta } from './class-state.js';
import { element } from './dom.js';
import { el } from './webcam-elements.js';

export function renderMemory() {
  if (!learner) return;
  const { capacity, used, perClassLimit } = learner.memory;
  el.memoryCapacity.textContent = String(capacity);
  el.memorySummary.textContent = `${used} of ${capacity} example images kept` +
    (perClassLimit ? ` · at most ${perClassLimit} per class now` : ' · none yet: they are chosen when a class is trained');
  const recorded = new Map(meta.classes.map((c) => [c.name, c.samples]));
  el.memoryList.replaceChildren(...details().filter((d) => d.trained).map((d) => {
    const learned = (recorded.get(d.name) ?? d.exemplars) - d.pending; // images its steps have seen
    const of = learned > d.exemplars ? ` of ${learned} learned from` : '';
    return element('li', { textContent: `${d.name}: ${d.exemplars} kept${of}` });
  }));
}
