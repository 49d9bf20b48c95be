#!/usr/bin/env node
// starter-set.mjs - generates the images the page's starter network is trained on: every photo
// of Debian's tuxpaint-stamps-default except the evaluation set's objects and anything of their
// kinds (so the features learned beforehand have never seen a mug, a kettle or a ball of the
// evaluation set), each composed by bench/teach-scene.mjs as a webcam sees an object held up in
// a room. Objects are drawn in groups, each group with its own rooms and people, so the starter
// sees many backgrounds; every view follows from the seed.
//
// Layout: OUT/images/<object>/ (what `icarl learn --data` reads; links into
// OUT/groups/group-G/test/<object>/view-NN.png) and OUT/manifest.json.
//
// Usage: node bench/starter-set.mjs [--out build/starter-set] [--views 40] [--size 64]
//          [--seed 1] [--group 12] [--sources DIR]
// The photos are read from --sources, else /usr/share/tuxpaint/stamps, else
// build/starter-sources; when none has them, the package is fetched with `apt-get download`
// and unpacked into build/starter-sources (nothing is installed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { OBJECTS, SOURCE_PACKAGE, generateSet, loadPhotos, randomFor } from './teach-set.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The evaluation set's objects by kind: a stamp whose path names one of these is left out, so
// no object of a kind the evaluation set teaches or keeps unseen is learned beforehand.
const EVALUATION_KINDS = ['mug', 'cup', 'duck', 'bulb', 'lamp', 'tennis', 'binocular', 'kiwi', 'pitcher', 'jug',
  'cricket', 'plyer', 'plier', 'camera', 'kettle', 'toolbox', 'basketball', 'christmas_toy', 'nutcracker',
  'stethoscope', 'teapot', 'tea', 'soccer', 'football', 'hammer', 'ball'];

/** The directory holding all the package's stamps: given, installed, unpacked before, or now. */
function stampDirectory(explicit) {
  const unpacked = path.join(ROOT, 'build/starter-sources');
  const found = [explicit, '/usr/share/tuxpaint/stamps', path.join(unpacked, 'usr/share/tuxpaint/stamps')]
    .find((dir) => dir && existsSync(path.join(dir, OBJECTS[0].file)));
  if (found) return found;
  if (explicit) throw new Error(`starter-set: the photos are not in ${explicit}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'starter-sources-'));
  try {
    console.error(`starter-set: fetching ${SOURCE_PACKAGE} (apt-get download, about 160 MB)`);
    execFileSync('apt-get', ['download', '-qq', SOURCE_PACKAGE], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    mkdirSync(unpacked, { recursive: true });
    execFileSync('dpkg-deb', ['-x', path.join(work, deb), unpacked]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return path.join(unpacked, 'usr/share/tuxpaint/stamps');
}

function listStamps(dir) {
  const found = [];
  const walk = (relative) => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const file = path.join(relative, name);
      if (statSync(path.join(dir, file)).isDirectory()) walk(file);
      else if (name.endsWith('.png') && !/_mirror|_back/.test(name)) found.push(file);
    }
  };
  walk('');
  return found;
}

const isEvaluationKind = (file) => EVALUATION_KINDS.some((kind) => file.toLowerCase().includes(kind)) ||
  OBJECTS.some((o) => o.file === file);

function parseArguments(argv) {
  const options = { out: path.join(ROOT, 'build/starter-set'), views: 40, size: 64, seed: 1, group: 12, sources: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i], value = argv[i + 1];
    const numeric = { '--views': 'views', '--size': 'size', '--seed': 'seed', '--group': 'group' }[flag];
    if (numeric) { options[numeric] = Number(value); i++; }
    else if (flag === '--out') { options.out = path.resolve(value); i++; }
    else if (flag === '--sources') { options.sources = path.resolve(value); i++; }
    else if (flag === '--help') { console.log(readUsage()); process.exit(0); }
    else { console.error(`starter-set: unknown option ${flag}\n${readUsage()}`); process.exit(2); }
  }
  return options;
}

function readUsage() {
  return 'usage: node bench/starter-set.mjs [--out build/starter-set] [--views 40] [--size 64] [--seed 1] [--group 12] [--sources DIR]';
}

export function generateStarterSet(options) {
  const dir = stampDirectory(options.sources);
  const files = listStamps(dir).filter((f) => !isEvaluationKind(f));
  const objects = files.map((file) => {
    const name = file.replace(/\.png$/, '').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    return { name, file, role: 'never-taught', cm: Math.round(randomFor(options.seed, 'starter', name, 'size').uniform(6, 30)) };
  });
  const started = Date.now(), skipped = [];
  for (let g = 0; g * options.group < objects.length; g++) {
    const group = [], groupPhotos = {};
    for (const o of objects.slice(g * options.group, (g + 1) * options.group)) {
      try {
        groupPhotos[o.name] = loadPhotos([{ ...o, sha256: '' }], { sources: dir, log: () => {} }).photos[o.name];
        group.push(o);
      } catch {
        skipped.push(o.file); // a PNG flavour bench/teach-png.mjs does not read (palette, 16-bit)
      }
    }
    generateSet(path.join(options.out, 'groups'), `group-${g}`,
                { seed: options.seed, objects: group, photos: groupPhotos, teachFrames: 0, testViews: options.views, size: options.size, log: () => {} });
    process.stderr.write(`\rstarter-set: ${Math.min((g + 1) * options.group, objects.length)} of ${objects.length} objects, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  process.stderr.write('\n');
  const images = path.join(options.out, 'images');
  rmSync(images, { recursive: true, force: true });
  mkdirSync(images, { recursive: true });
  for (let g = 0; g * options.group < objects.length; g++) {
    const test = path.join(options.out, 'groups', `group-${g}`, 'test');
    for (const name of readdirSync(test)) symlinkSync(path.join('..', 'groups', `group-${g}`, 'test', name), path.join(images, name));
  }
  writeFileSync(path.join(options.out, 'manifest.json'), `${JSON.stringify({ ...options, objects: objects.map((o) => o.file).filter((f) => !skipped.includes(f)), skipped }, null, 2)}\n`);
  return objects;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const options = parseArguments(process.argv.slice(2));
  generateStarterSet(options);
}
