#!/usr/bin/env node
// compare-report.mjs - turns the JSON reports of `icarl protocol --method M` (one per method) into
// the paper's comparison: a Markdown table and one SVG plot of accuracy per step, one line per
// method. Each method is scored with its own classifier: iCaRL by the nearest mean of exemplars,
// the baselines (no exemplars) by the network's outputs.
// Usage: node build-scripts/compare-report.mjs --svg plot.svg --markdown table.md REPORT.json...
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

const args = process.argv.slice(2);
let svgPath = null;
let markdownPath = null;
const reports = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--svg') svgPath = args[++i];
  else if (args[i] === '--markdown') markdownPath = args[++i];
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: node build-scripts/compare-report.mjs [--svg FILE] [--markdown FILE] REPORT.json...');
    process.exit(0);
  } else reports.push(args[i]);
}
if (reports.length === 0) {
  console.error('compare-report: no reports given (see --help)');
  process.exit(2);
}

const NAMES = { icarl: 'iCaRL', lwf: 'LwF-MC', finetune: 'Finetuning', fixed: 'Fixed representation' };
const COLOURS = { icarl: '#d62728', lwf: '#1f77b4', finetune: '#7f7f7f', fixed: '#2ca02c' };

const methods = reports.map((file) => {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`compare-report: cannot read ${file}: ${error.message}`);
    process.exit(1);
  }
  const method = report.configuration?.method ?? 'icarl';
  const useNme = method === 'icarl';
  const accuracies = report.steps.map((step) => (useNme ? step.nme : step.cnn));
  return {
    method,
    name: NAMES[method] ?? method,
    classifier: useNme ? 'NME' : 'CNN',
    classes: report.steps.map((step) => step.classes.length), // classes seen so far
    accuracies,
    average: accuracies.reduce((a, b) => a + b, 0) / accuracies.length,
    final: accuracies[accuracies.length - 1],
    seconds: report.seconds,
  };
});

function writeAtomically(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const header = ['method', 'classifier', ...methods[0].classes.map((c) => `${c} classes`), 'average incremental', 'final', 'seconds'];
const rows = methods.map((m) => [m.name, m.classifier, ...m.accuracies.map((a) => a.toFixed(3)),
  m.average.toFixed(3), m.final.toFixed(3), Math.round(m.seconds)]);
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
console.log(table);
if (markdownPath) writeAtomically(markdownPath, `${table}\n`);

if (svgPath) {
  const width = 640, height = 400, left = 60, right = 190, top = 40, bottom = 50;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const maxClasses = Math.max(...methods.flatMap((m) => m.classes));
  const minClasses = Math.min(...methods.flatMap((m) => m.classes));
  const x = (c) => left + (maxClasses === minClasses ? plotWidth / 2 : ((c - minClasses) / (maxClasses - minClasses)) * plotWidth);
  const y = (a) => top + (1 - a) * plotHeight;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left + plotWidth / 2}" y="22" text-anchor="middle" font-size="14">Class-incremental Fashion-MNIST: accuracy per step</text>`);
  for (let tick = 0; tick <= 10; tick += 2) {
    const a = tick / 10;
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(a)}" y2="${y(a)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${left - 8}" y="${y(a) + 4}" text-anchor="end">${a.toFixed(1)}</text>`);
  }
  for (const c of methods[0].classes) {
    parts.push(`<text x="${x(c)}" y="${top + plotHeight + 18}" text-anchor="middle">${c}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="black"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="black"/>`);
  parts.push(`<text x="${left + plotWidth / 2}" y="${height - 12}" text-anchor="middle">classes learned so far</text>`);
  parts.push(`<text x="16" y="${top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + plotHeight / 2})">top-1 accuracy on all classes seen</text>`);
  methods.forEach((m, index) => {
    const colour = COLOURS[m.method] ?? '#9467bd';
    const points = m.classes.map((c, i) => `${x(c).toFixed(1)},${y(m.accuracies[i]).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`);
    m.classes.forEach((c, i) => parts.push(`<circle cx="${x(c).toFixed(1)}" cy="${y(m.accuracies[i]).toFixed(1)}" r="3.5" fill="${colour}"/>`));
    const legendY = top + 10 + index * 20;
    parts.push(`<line x1="${left + plotWidth + 15}" x2="${left + plotWidth + 35}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${left + plotWidth + 40}" y="${legendY + 4}">${m.name} (${m.classifier})</text>`);
  });
  parts.push('</svg>');
  writeAtomically(svgPath, `${parts.join('\n')}\n`);
}
