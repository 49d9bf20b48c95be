// experiment-charts.js - what the Experiment tab draws from the per-step results of
// experiment.js: the accuracy plot (SVG), the accuracy and forgetting table, the per-class
// accuracy grids (forgetting as it happens), iCaRL's confusion matrix (SVG) and the exemplars
// herding kept (canvas). Drawing only: experiment-page.js runs the experiment.
import { DEFAULTS, METHODS } from './experiment.js';
import { $ } from './dom.js';
import { percent } from './format.js';

const METHOD_ORDER = ['icarl', 'finetune'];
const SVG = 'http://www.w3.org/2000/svg';
const el = {
  plot: $('#accuracy-plot'), table: $('#accuracy-table'), perClass: $('#per-class'), confusion: $('#confusion'),
  confusionNote: $('#confusion-note'), exemplars: $('#exemplars'),
};

/** Redraws everything from `results` (experiment.js's results so far, both methods, in the
 * order they came). */
export function drawExperiment(results) {
  drawPlot(results);
  drawTable(results);
  drawPerClass(results);
  const latest = byMethod(results, 'icarl').at(-1);
  drawConfusion(latest);
  drawExemplars(latest);
}

/** The results of `method`, step by step. */
export function byMethod(results, method) {
  return results.filter((r) => r.method === method);
}

function svg(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Accuracy on all classes seen so far, one line per method, x = step (classes seen). */
function drawPlot(results) {
  const steps = results[0]?.steps ?? 5;
  const perStep = DEFAULTS.classesPerStep;
  const width = 460, height = 260, left = 46, right = 12, top = 34, bottom = 40;
  const x = (s) => left + ((width - left - right) * (s + 0.5)) / steps;
  const y = (a) => top + (height - top - bottom) * (1 - a);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'plot-svg', role: 'img' });
  for (let t = 0; t <= 4; t++) {
    const a = t / 4;
    root.append(svg('line', { x1: left, x2: width - right, y1: y(a), y2: y(a), class: 'grid' }));
    root.append(svg('text', { x: left - 6, y: y(a) + 4, 'text-anchor': 'end', class: 'tick' }, `${100 * a}%`));
  }
  for (let s = 0; s < steps; s++) root.append(svg('text', { x: x(s), y: height - bottom + 16, 'text-anchor': 'middle', class: 'tick' }, `${perStep * (s + 1)}`));
  root.append(svg('text', { x: (left + width - right) / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis' }, 'classes learned so far'));
  const summary = [];
  METHOD_ORDER.forEach((method, m) => {
    const points = byMethod(results, method);
    root.append(svg('line', { x1: left + 8 + 150 * m, x2: left + 30 + 150 * m, y1: 14, y2: 14, class: `line line-${method}` }));
    root.append(svg('text', { x: left + 36 + 150 * m, y: 18, class: 'legend' }, METHODS[method].label));
    if (!points.length) return;
    root.append(svg('polyline', { points: points.map((r) => `${x(r.step)},${y(r.accuracy)}`).join(' '), class: `line line-${method}` }));
    for (const r of points) {
      const dot = svg('circle', { cx: x(r.step), cy: y(r.accuracy), r: 4, class: `dot dot-${method}` });
      dot.append(svg('title', {}, `${METHODS[method].label}, step ${r.step + 1}: ${percent(r.accuracy)}`));
      root.append(dot);
    }
    summary.push(`${METHODS[method].label} ${points.map((r) => percent(r.accuracy)).join(', ')}`);
  });
  root.setAttribute('aria-label', summary.length ? `Accuracy per step: ${summary.join('; ')}` : 'Accuracy per step: no step yet');
  el.plot.replaceChildren(root);
}

/** Per step: accuracy and average forgetting of each method. */
function drawTable(results) {
  const head = document.createElement('thead');
  // Two header rows and a breakable "Fine-tuning": the table fits a phone's width.
  head.innerHTML = '<tr><th scope="col" rowspan="2">Step</th><th scope="col" rowspan="2">Classes</th><th scope="colgroup" colspan="2">Accuracy</th><th scope="colgroup" colspan="2">Forgetting</th></tr>'
    + '<tr><th scope="col">iCaRL</th><th scope="col">Fine&shy;tuning</th><th scope="col">iCaRL</th><th scope="col">Fine&shy;tuning</th></tr>';
  const body = document.createElement('tbody');
  const steps = Math.max(0, ...results.map((r) => r.step + 1));
  for (let s = 0; s < steps; s++) {
    const row = document.createElement('tr');
    const icarl = results.find((r) => r.step === s && r.method === 'icarl');
    const finetune = results.find((r) => r.step === s && r.method === 'finetune');
    const cells = [
      String(s + 1), String((icarl ?? finetune).classes.length),
      icarl ? percent(icarl.accuracy) : '…', finetune ? percent(finetune.accuracy) : '…',
      icarl?.forgetting != null ? percent(icarl.forgetting) : '–', finetune?.forgetting != null ? percent(finetune.forgetting) : '–',
    ];
    cells.forEach((text, i) => {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.scope = 'row';
      cell.textContent = text;
      row.append(cell);
    });
    body.append(row);
  }
  // Average incremental accuracy (the mean over the steps so far), the paper's headline number.
  const foot = document.createElement('tfoot');
  if (steps > 0) {
    const mean = (method) => {
      const values = byMethod(results, method).map((r) => r.accuracy);
      return values.length ? percent(values.reduce((a, b) => a + b, 0) / values.length) : '…';
    };
    const row = document.createElement('tr');
    row.innerHTML = '<th scope="row" colspan="2">Average</th>';
    for (const text of [mean('icarl'), mean('finetune'), '', '']) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    foot.append(row);
  }
  el.table.replaceChildren(head, body, foot);
  el.table.hidden = steps === 0;
}

/** Each method's accuracy per class (rows) after each step (columns): old classes fading is
 * forgetting, step by step. */
function drawPerClass(results) {
  const tables = METHOD_ORDER.map((method) => {
    const ofMethod = byMethod(results, method);
    if (!ofMethod.length) return null;
    const table = document.createElement('table');
    table.className = 'per-class-table';
    table.dataset.method = method;
    const caption = document.createElement('caption');
    caption.textContent = METHODS[method].label;
    const head = document.createElement('tr');
    const steps = ofMethod[0].steps;
    head.innerHTML = '<th scope="col">Class</th>' + Array.from({ length: steps }, (_, s) => `<th scope="col">${s + 1}</th>`).join('');
    table.append(caption, head);
    const latest = ofMethod.at(-1);
    latest.classIndices.forEach((c, k) => {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = latest.classes[k];
      row.append(name);
      for (let s = 0; s < steps; s++) {
        const cell = document.createElement('td');
        const value = ofMethod[s]?.perClass[c];
        if (value !== undefined) {
          cell.textContent = Math.round(100 * value);
          cell.style.setProperty('--value', value.toFixed(3));
          cell.className = 'heat';
          cell.title = `${latest.classes[k]} after step ${s + 1}: ${percent(value)}`;
        }
        row.append(cell);
      }
      table.append(row);
    });
    return table;
  }).filter(Boolean);
  el.perClass.replaceChildren(...tables);
}

/** iCaRL's (nearest-mean) confusion matrix after its latest step: rows true class, columns
 * predicted, shaded by the row's fraction. */
function drawConfusion(result) {
  if (!result) {
    el.confusion.replaceChildren();
    el.confusionNote.textContent = '';
    return;
  }
  const n = result.classes.length;
  const cell = 26, left = 92, top = 84, right = 56; // right: room for the last slanted name
  const root = svg('svg', { viewBox: `0 0 ${left + n * cell + right} ${top + n * cell + 4}`, class: 'confusion-svg', role: 'img' });
  const total = result.confusion[0].reduce((a, b) => a + b, 0);
  let diagonal = 0;
  result.confusion.forEach((row, i) => {
    root.append(svg('text', { x: left - 6, y: top + i * cell + cell / 2 + 4, 'text-anchor': 'end', class: 'tick' }, result.classes[i]));
    row.forEach((count, j) => {
      const fraction = total ? count / total : 0;
      if (i === j) diagonal += count;
      const rect = svg('rect', { x: left + j * cell, y: top + i * cell, width: cell - 1, height: cell - 1, class: 'cm-cell', 'fill-opacity': (0.06 + 0.94 * fraction).toFixed(3), 'data-count': count });
      rect.append(svg('title', {}, `${result.classes[i]} predicted as ${result.classes[j]}: ${count} of ${total}`));
      root.append(rect);
      if (count > 0) root.append(svg('text', { x: left + j * cell + cell / 2, y: top + i * cell + cell / 2 + 4, 'text-anchor': 'middle', class: fraction > 0.5 ? 'cm-text strong' : 'cm-text' }, count));
    });
  });
  result.classes.forEach((name, j) => {
    const x = left + j * cell + cell / 2 + 4;
    root.append(svg('text', { x, y: top - 6, transform: `rotate(-50 ${x} ${top - 6})`, class: 'tick' }, name));
  });
  const accuracy = diagonal / (n * total);
  root.setAttribute('aria-label', `Confusion matrix of iCaRL after step ${result.step + 1}, ${n} classes: ${percent(accuracy)} on the diagonal`);
  el.confusion.replaceChildren(root);
  el.confusionNote.textContent = `After step ${result.step + 1}: rows are the true class, columns the predicted one; ${total} test images per class.`;
}

/** The first few exemplars herding kept per class (its highest priorities), as grey images. */
function drawExemplars(result) {
  if (!result) {
    el.exemplars.replaceChildren();
    return;
  }
  const rows = result.exemplars.map(({ classIndex, count, images }) => {
    const k = result.classIndices.indexOf(classIndex);
    const row = document.createElement('div');
    row.className = 'exemplar-row';
    const label = document.createElement('span');
    label.className = 'exemplar-name';
    label.textContent = `${result.classes[k]} (${count} kept)`;
    const canvas = document.createElement('canvas');
    const side = Math.round(Math.sqrt(images[0]?.length ?? 784));
    canvas.width = Math.max(1, images.length) * (side + 2);
    canvas.height = side;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `The first ${images.length} exemplars herding chose for ${result.classes[k]}`);
    const context = canvas.getContext('2d');
    images.forEach((grey, i) => {
      const rgba = new ImageData(side, side);
      for (let p = 0; p < grey.length; p++) {
        rgba.data[4 * p] = rgba.data[4 * p + 1] = rgba.data[4 * p + 2] = grey[p];
        rgba.data[4 * p + 3] = 255;
      }
      context.putImageData(rgba, i * (side + 2), 0);
    });
    row.append(label, canvas);
    return row;
  });
  el.exemplars.replaceChildren(...rows);
}
