// memory-view.js - the Memory section: how many of the K exemplars the learner keeps, the limit
// per class, and one meter per trained class.
import { details, learner } from './class-state.js';
import { element } from './dom.js';
import { el } from './webcam-elements.js';

export function renderMemory() {
  if (!learner) return;
  const memory = learner.memory;
  const limit = memory.perClassLimit;
  const summary = element('p', {
    textContent: `${memory.used} of K = ${memory.capacity} exemplars kept` + (limit ? ` · up to ${limit} per class` : ' · none yet (train a step)'),
  });
  const list = element('ul', { className: 'memory-list' }, details().filter((d) => d.trained).map((d) => {
    const meter = element('meter', { min: 0, max: Math.max(1, limit), value: d.exemplars });
    meter.setAttribute('aria-label', `${d.name} exemplars`);
    return element('li', {}, [meter, `${d.name}: ${d.exemplars} of ${limit}`]);
  }));
  el.memory.replaceChildren(summary, list);
}
