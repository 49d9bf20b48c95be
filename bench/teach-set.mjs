#!/usr/bin/env node
// teach-set.mjs - generates the webcam evaluation set: photographs of everyday objects (the
// photographic cut-outs of Debian's tuxpaint-stamps-default) composed as a laptop webcam sees them
// held up in a room. Two disjoint sets of objects, `tune` (to tune defaults on) and `test` (to
// measure them on); in each, 6 objects have "teach" frames, 3 seconds of a hand-held recording at
// 15 fps in the set's home room, and every object, including 3 never taught, has held-out "test"
// views drawn from the wider distribution a live camera sees later (other positions, sizes,
// rotations and turns, light, rooms and people, blur and noise). Everything follows from the seed;
// frame i of a recording and view i of an object do not depend on how many are generated.
//
// Layout (what `icarl learn --data` and `icarl eval --data` read: one folder per class):
//   OUT/<set>/teach/<object>/frame-NN.png    taught objects only
//   OUT/<set>/test/<object>/view-NN.png      every object
//   OUT/<set>/manifest.json                  objects and roles, sources, parameters, and per
//                                            test view the conditions it was seen in
//
// Usage: node bench/teach-set.mjs [--out build/teach-set] [--sets tune,test] [--seed 1]
//          [--teach-frames 45] [--test-views 30] [--size 64] [--sources DIR] [--force]
//          [--sheet FILE]   (also draw docs/teach-set.png's sample of the default sets into FILE)
// The photos are read from --sources, else /usr/share/tuxpaint/stamps, else build/teach-sources;
// when none has them, the package is fetched with `apt-get download` and only the 18 photos
// used are kept (in build/teach-sources). A set whose manifest already matches is left as it is.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodePng, encodePng } from './teach-png.mjs';
import { objectProjection, prepareCutout, renderFrame } from './teach-scene.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE_PACKAGE = 'tuxpaint-stamps-default';
const SYSTEM_SOURCES = '/usr/share/tuxpaint/stamps';
const CACHED_SOURCES = path.join(ROOT, 'build/teach-sources');
// Bump when a change alters the pixels generated from the same seed, so cached sets regenerate.
const GENERATOR_VERSION = 2;
const FPS = 15;

export const DEFAULTS = { seed: 1, teachFrames: 45, testViews: 30, size: 64 };

// `cm`: the object's real extent along the photo's longer side, which sets how large the hand
// holding it looks. sha256: the first 16 hex digits of the photo in tuxpaint-stamps-default
// 2022.06.04-1 (Debian 12); another version is used with a warning.
export const OBJECTS = [
  { set: 'tune', name: 'mug', role: 'taught', file: 'household/dishes/mug.png', cm: 12, sha256: 'e79d813637620755' },
  { set: 'tune', name: 'rubber-duck', role: 'taught', file: 'household/rubberduck.png', cm: 10, sha256: 'fda8fafbf7d78c0d' },
  { set: 'tune', name: 'light-bulb', role: 'taught', file: 'household/Lightbulb.png', cm: 11, sha256: '11186e55e41e0445' },
  { set: 'tune', name: 'tennis-ball', role: 'taught', file: 'sports/tennis_ball.png', cm: 7, sha256: '3504fa429fc98d50' },
  { set: 'tune', name: 'binoculars', role: 'taught', file: 'hobbies/binoculars.png', cm: 15, sha256: '75e82ac7a0a7ceb6' },
  { set: 'tune', name: 'kiwi', role: 'taught', file: 'food/fruit/kiwi.png', cm: 7, sha256: 'eb807eb6edfffc20' },
  { set: 'tune', name: 'jug', role: 'never-taught', file: 'household/dishes/pitcher_small.png', cm: 14, sha256: '9ed04c770c68946c' },
  { set: 'tune', name: 'cricket-ball', role: 'never-taught', file: 'sports/cricketball.png', cm: 7, sha256: '1e9436fc63007bc1' },
  { set: 'tune', name: 'pliers', role: 'never-taught', file: 'household/tools/plyers.png', cm: 18, sha256: '840e5049d5f1b573' },
  { set: 'test', name: 'camera', role: 'taught', file: 'hobbies/camera_35mm.png', cm: 14, sha256: 'd4c635621eb8fb68' },
  { set: 'test', name: 'kettle', role: 'taught', file: 'household/kettle.png', cm: 22, sha256: '197de01d7616e32f' },
  { set: 'test', name: 'toolbox', role: 'taught', file: 'household/tools/toolbox.png', cm: 40, sha256: 'dfc0d6c4f8a97a84' },
  { set: 'test', name: 'basketball', role: 'taught', file: 'sports/basketball.png', cm: 24, sha256: '701186fe410c7e72' },
  { set: 'test', name: 'nutcracker', role: 'taught', file: 'seasonal/christmas/German_Christmas_toy.png', cm: 20, sha256: '22c708dbfe4715de' },
  { set: 'test', name: 'stethoscope', role: 'taught', file: 'medical/stethoscope.png', cm: 30, sha256: '65315bda7805f309' },
  { set: 'test', name: 'teapot', role: 'never-taught', file: 'household/dishes/teapot.png', cm: 22, sha256: '73dca3ee8d4c2aef' },
  { set: 'test', name: 'football', role: 'never-taught', file: 'sports/soccer.png', cm: 22, sha256: 'da3bc970a50295c5' },
  { set: 'test', name: 'hammer', role: 'never-taught', file: 'household/tools/hammer.png', cm: 30, sha256: '7854ef5d1035708b' },
];
export const SETS = ['tune', 'test'];

// ---- seeded randomness: one independent stream per named thing --------------------------------

function hashString(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A generator (mulberry32) seeded from the names of what it draws for, e.g. (seed, 'tune',
 * 'mug', 'view', 3): adding views or frames never changes the ones before. */
export function randomFor(...names) {
  let state = hashString(names.join('/'));
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random = {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    logUniform: (low, high) => Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * next()),
    chance: (p) => next() < p,
    pick: (values) => values[Math.floor(next() * values.length)],
    gaussian: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    jitter: (colour, amount) => colour.map((c) => Math.max(0, Math.min(1, c + (next() - 0.5) * 2 * amount))),
  };
  return random;
}

// ---- rooms and people, as flat shapes in frame coordinates --------------------------------------

const WALLS = [[0.86, 0.8, 0.7], [0.9, 0.9, 0.87], [0.7, 0.7, 0.72], [0.7, 0.77, 0.84], [0.74, 0.8, 0.7],
               [0.9, 0.8, 0.58], [0.5, 0.44, 0.4], [0.82, 0.68, 0.64]];
const WOODS = [[0.55, 0.38, 0.22], [0.72, 0.55, 0.36], [0.35, 0.24, 0.16], [0.85, 0.75, 0.6]];
const SKINS = [[0.96, 0.8, 0.7], [0.88, 0.68, 0.55], [0.72, 0.52, 0.4], [0.5, 0.35, 0.26], [0.34, 0.23, 0.17]];
const HAIRS = [[0.08, 0.06, 0.05], [0.28, 0.18, 0.1], [0.55, 0.4, 0.22], [0.8, 0.68, 0.45], [0.55, 0.55, 0.55]];

function brightColour(r) {
  const base = r.pick([[0.8, 0.15, 0.15], [0.15, 0.35, 0.75], [0.2, 0.55, 0.3], [0.85, 0.7, 0.15],
                       [0.5, 0.2, 0.55], [0.9, 0.9, 0.9], [0.15, 0.15, 0.18], [0.85, 0.45, 0.2]]);
  return r.jitter(base, 0.12);
}

/** A room behind the person: walls, perhaps a corner and a ceiling, a window, a door, a shelf
 * of books, pictures, a lamp, a plant, a cabinet; wide enough for the camera to move. */
function makeRoom(r) {
  const wall = r.jitter(r.pick(WALLS), 0.05);
  const shapes = [{ shape: 'rect', x0: -1, y0: -1, x1: 2, y1: 2, color: wall, shade: 0.25 }];
  if (r.chance(0.5)) {
    const corner = r.uniform(0.1, 0.9), left = r.chance(0.5);
    shapes.push({ shape: 'rect', x0: left ? -1 : corner, y0: -1, x1: left ? corner : 2, y1: 2,
                  color: wall.map((c) => c * r.uniform(0.72, 0.88)), shade: 0.2 });
  }
  if (r.chance(0.35)) {
    shapes.push({ shape: 'rect', x0: -1, y0: -1, x1: 2, y1: r.uniform(0.02, 0.15), color: wall.map((c) => Math.min(1, c * 1.12)) });
  }
  const wood = r.jitter(r.pick(WOODS), 0.05);
  if (r.chance(0.6)) { // window: bright, with a frame and perhaps a curtain
    const x0 = r.uniform(-0.25, 0.8), y0 = r.uniform(0.02, 0.3), w = r.uniform(0.22, 0.45), h = r.uniform(0.3, 0.55);
    const frame = r.chance(0.6) ? [0.93, 0.93, 0.92] : wood;
    shapes.push({ shape: 'rect', x0: x0 - 0.02, y0: y0 - 0.02, x1: x0 + w + 0.02, y1: y0 + h + 0.02, color: frame });
    shapes.push({ shape: 'rect', x0, y0, x1: x0 + w, y1: y0 + h, color: r.jitter([0.88, 0.93, 1.0], 0.05), glow: true, shade: -0.1 });
    shapes.push({ shape: 'rect', x0: x0 + w / 2 - 0.008, y0, x1: x0 + w / 2 + 0.008, y1: y0 + h, color: frame });
    if (r.chance(0.5)) shapes.push({ shape: 'rect', x0, y0: y0 + h * 0.45, x1: x0 + w, y1: y0 + h * 0.45 + 0.015, color: frame });
    if (r.chance(0.5)) {
      const side = r.chance(0.5) ? x0 - 0.1 : x0 + w - 0.02;
      shapes.push({ shape: 'rect', x0: side, y0: y0 - 0.05, x1: side + 0.12, y1: y0 + h + 0.15, color: brightColour(r).map((c) => c * 0.8), shade: 0.3 });
    }
  }
  if (r.chance(0.3)) { // door
    const x0 = r.uniform(-0.2, 0.85), w = r.uniform(0.22, 0.3), colour = r.chance(0.5) ? wood : [0.9, 0.9, 0.88];
    shapes.push({ shape: 'rect', x0: x0 - 0.02, y0: -0.02, x1: x0 + w + 0.02, y1: 2, color: colour.map((c) => c * 0.85) });
    shapes.push({ shape: 'rect', x0, y0: 0.02, x1: x0 + w, y1: 2, color: colour, shade: 0.15 });
    shapes.push({ shape: 'ellipse', cx: x0 + w * 0.85, cy: 0.62, rx: 0.012, ry: 0.012, color: [0.75, 0.7, 0.5] });
  }
  if (r.chance(0.55)) { // a shelf of books
    const x0 = r.uniform(-0.3, 0.75), w = r.uniform(0.3, 0.55), y = r.uniform(0.2, 0.55);
    let x = x0 + 0.01;
    while (x < x0 + w - 0.03) {
      const bw = r.uniform(0.015, 0.04), bh = r.uniform(0.08, 0.14);
      if (r.chance(0.85)) shapes.push({ shape: 'rect', x0: x, y0: y - bh, x1: x + bw, y1: y, color: brightColour(r).map((c) => c * 0.8), shade: 0.2 });
      x += bw + 0.002;
    }
    shapes.push({ shape: 'rect', x0, y0: y, x1: x0 + w, y1: y + 0.02, color: wood });
  }
  for (let i = 0, n = r.chance(0.6) ? 1 + (r.chance(0.4) ? 1 : 0) : 0; i < n; i++) { // pictures
    const x0 = r.uniform(-0.2, 0.85), y0 = r.uniform(0.05, 0.4), w = r.uniform(0.1, 0.22), h = r.uniform(0.08, 0.2);
    shapes.push({ shape: 'rect', x0, y0, x1: x0 + w, y1: y0 + h, color: r.chance(0.5) ? [0.1, 0.1, 0.1] : wood });
    shapes.push({ shape: 'rect', x0: x0 + 0.012, y0: y0 + 0.012, x1: x0 + w - 0.012, y1: y0 + h - 0.012, color: r.jitter([0.7, 0.75, 0.8], 0.2) });
    shapes.push({ shape: 'ellipse', cx: x0 + w * r.uniform(0.3, 0.7), cy: y0 + h * r.uniform(0.4, 0.7), rx: w * 0.25, ry: h * 0.2, color: brightColour(r) });
  }
  if (r.chance(0.25)) { // a lamp, glowing
    const x = r.uniform(-0.1, 1.1), y = r.uniform(0.15, 0.5);
    shapes.push({ shape: 'ellipse', cx: x, cy: y + 0.04, rx: 0.07, ry: 0.05, color: [1, 0.92, 0.75], glow: true, opacity: 0.6 });
    shapes.push({ shape: 'rect', x0: x - 0.05, y0: y - 0.04, x1: x + 0.05, y1: y + 0.04, round: 0.01, color: r.jitter([0.95, 0.88, 0.7], 0.05), glow: true, shade: 0.2 });
  }
  if (r.chance(0.3)) { // a plant in a pot
    const x = r.uniform(-0.1, 1.1), y = r.uniform(0.45, 0.75);
    for (let i = 0; i < 6; i++) {
      shapes.push({ shape: 'ellipse', cx: x + r.uniform(-0.07, 0.07), cy: y - r.uniform(0.03, 0.16), rx: r.uniform(0.03, 0.06), ry: r.uniform(0.02, 0.04), color: r.jitter([0.2, 0.45, 0.2], 0.08) });
    }
    shapes.push({ shape: 'rect', x0: x - 0.05, y0: y, x1: x + 0.05, y1: y + 0.09, color: r.jitter([0.7, 0.4, 0.3], 0.1), shade: 0.3 });
  }
  if (r.chance(0.3)) { // a cabinet
    const x0 = r.uniform(-0.3, 0.8), w = r.uniform(0.25, 0.45), y0 = r.uniform(0.3, 0.6), colour = r.chance(0.5) ? wood : r.jitter([0.85, 0.85, 0.82], 0.05);
    shapes.push({ shape: 'rect', x0, y0, x1: x0 + w, y1: 2, color: colour, shade: 0.2 });
    shapes.push({ shape: 'rect', x0: x0 + w / 2 - 0.003, y0: y0 + 0.02, x1: x0 + w / 2 + 0.003, y1: 2, color: colour.map((c) => c * 0.6) });
    shapes.push({ shape: 'rect', x0: x0 + w / 2 - 0.03, y0: y0 + 0.08, x1: x0 + w / 2 - 0.015, y1: y0 + 0.14, color: [0.6, 0.6, 0.6] });
  }
  return { shapes, light: { tint: r.jitter([1.04, 1.0, 0.92], 0.05), fromX: r.uniform(-1, 1), falloff: r.uniform(0.15, 0.45) } };
}

/** The person in front of the webcam, behind the object: shapes for a given sway. */
function makePerson(r) {
  const skin = r.jitter(r.pick(SKINS), 0.03), hair = r.jitter(r.pick(HAIRS), 0.03), shirt = brightColour(r);
  const x = r.uniform(0.35, 0.65), scale = r.uniform(0.85, 1.2), longHair = r.chance(0.4), chair = r.chance(0.4);
  const chairColour = r.jitter([0.15, 0.15, 0.17], 0.05);
  return { skin, shapes: (dx, dy) => {
    const cx = x + dx, headY = 0.34 + dy, s = scale;
    const shapes = [];
    if (chair) shapes.push({ shape: 'rect', x0: cx - 0.3 * s, y0: headY + 0.12 * s, x1: cx + 0.3 * s, y1: 2, round: 0.08, color: chairColour });
    if (longHair) shapes.push({ shape: 'rect', x0: cx - 0.15 * s, y0: headY - 0.1 * s, x1: cx + 0.15 * s, y1: headY + 0.3 * s, round: 0.08 * s, color: hair });
    shapes.push({ shape: 'rect', x0: cx - 0.38 * s, y0: headY + 0.3 * s, x1: cx + 0.38 * s, y1: 2, round: 0.15 * s, color: shirt, shade: 0.2 });
    shapes.push({ shape: 'capsule', ax: cx, ay: headY + 0.1 * s, bx: cx, by: headY + 0.3 * s, r: 0.06 * s, color: skin.map((c) => c * 0.85) });
    shapes.push({ shape: 'ellipse', cx, cy: headY - 0.025 * s, rx: 0.13 * s, ry: 0.16 * s, color: hair });
    shapes.push({ shape: 'ellipse', cx, cy: headY + 0.02 * s, rx: 0.115 * s, ry: 0.15 * s, color: skin, shade: 0.15 });
    for (const side of [-1, 1]) shapes.push({ shape: 'ellipse', cx: cx + side * 0.045 * s, cy: headY + 0.0 * s, rx: 0.016 * s, ry: 0.01 * s, color: [0.15, 0.1, 0.1] });
    shapes.push({ shape: 'ellipse', cx, cy: headY + 0.09 * s, rx: 0.035 * s, ry: 0.01 * s, color: skin.map((c) => c * 0.7) });
    return shapes;
  } };
}

/** A hand from below the frame holding the object by its lower part: forearm and palm behind
 * it, the fingers curling round one side onto its front, the thumb on the other side. */
function makeHand(object, cutout, pose, skin, grip) {
  const projection = objectProjection(cutout, pose);
  const [cx, cy] = projection.project(0, 0);
  const [bx, by] = projection.project(grip.along * projection.half[0], projection.half[1]);
  const length = Math.hypot(bx - cx, by - cy) || 1e-6;
  const down = [(bx - cx) / length, (by - cy) / length], across = [-down[1], down[0]];
  const [lx, ly] = projection.project(-projection.half[0], projection.half[1]);
  const [rx, ry] = projection.project(projection.half[0], projection.half[1]);
  const halfWidth = Math.hypot(rx - lx, ry - ly) / 2;
  // a finger is about 1.8 cm wide; how large that looks depends on the object's real size
  const cm = Math.min(pose.size / object.cm, 0.025);
  const at = (along, side) => [bx + down[0] * along + across[0] * side, by + down[1] * along + across[1] * side];
  const limb = (a, b, radius, colour = skin) => ({ shape: 'capsule', ax: a[0], ay: a[1], bx: b[0], by: b[1], r: radius, color: colour });
  const side = grip.side, edge = halfWidth + 0.5 * cm, palmHalf = Math.min(halfWidth * 0.6, 3.5 * cm);
  const behind = [
    limb(at(4 * cm, 0), at(60 * cm, grip.lean * 20 * cm), 3 * cm, skin.map((c) => c * 0.92)),
    limb(at(2.5 * cm, -side * palmHalf * 0.4), at(2 * cm, side * halfWidth * 0.8), 3 * cm, skin.map((c) => c * 0.96)),
  ];
  if (grip.sleeve) behind.unshift(limb(at(16 * cm, grip.lean * 5 * cm), at(70 * cm, grip.lean * 24 * cm), 4 * cm, grip.sleeve));
  const top = -(0.6 + 1.9 * (grip.fingers - 1)) * cm;
  const front = [limb(at(1.5 * cm, side * edge), at(top, side * (edge + 0.4 * cm)), 1.1 * cm, skin.map((c) => c * 0.93))];
  const reach = Math.min(halfWidth * grip.wrap * 2, 3.6 * cm);
  for (let k = 0; k < grip.fingers; k++) {
    const up = -(0.6 + 1.9 * k) * cm, tip = reach * (k === grip.fingers - 1 ? 0.75 : 1);
    front.push(limb(at(up, side * edge), at(up + 0.35 * cm, side * (edge - tip)), 0.85 * cm));
  }
  front.push(limb(at(2 * cm, -side * palmHalf * 0.6), at(-2.4 * cm, -side * (halfWidth - 0.9 * cm)), 1.0 * cm));
  return { behind, front };
}

function randomGrip(r, person) {
  return { along: r.uniform(-0.3, 0.3), side: r.chance(0.5) ? 1 : -1, fingers: r.pick([2, 3, 3, 4]), wrap: r.uniform(0.2, 0.6),
           lean: r.uniform(-1, 1), sleeve: r.chance(0.5) ? brightColour(r).map((c) => c * 0.8) : null, skin: person.skin };
}

// ---- the recording and the later views ---------------------------------------------------------

/** A hand-held trajectory over time t (seconds): the object is turned to show its sides
 * (yaw sweep), wobbles, drifts and comes closer or moves away, as 3 s of teaching does. */
function recordingPath(r) {
  const wave = (amplitude) => {
    const parts = [0, 1, 2].map(() => ({ f: r.uniform(0.25, 1.4), phase: r.uniform(0, 2 * Math.PI), a: r.uniform(0.3, 1) }));
    const total = parts.reduce((s, p) => s + p.a, 0);
    return (t) => (amplitude / total) * parts.reduce((s, p) => s + p.a * Math.sin(2 * Math.PI * p.f * t + p.phase), 0);
  };
  const base = { x: r.uniform(0.44, 0.56), y: r.uniform(0.44, 0.58), size: r.uniform(0.48, 0.64), roll: r.uniform(-0.12, 0.12) };
  const yawStart = r.uniform(-0.45, 0.1), yawSweep = r.uniform(0.3, 0.7) * (r.chance(0.5) ? 1 : -1);
  const dx = wave(0.06), dy = wave(0.05), ds = wave(0.08), droll = wave(0.08), dpitch = wave(0.15);
  const duration = 3;
  return (t) => ({
    x: base.x + dx(t), y: base.y + dy(t), size: base.size * (1 + ds(t)), roll: base.roll + droll(t),
    yaw: yawStart + yawSweep * (0.5 - 0.5 * Math.cos(Math.PI * Math.min(t / duration, 1))), pitch: dpitch(t),
  });
}

/** Everything shared by one set: its home room and person (where teaching happens) and five
 * other rooms with their own people (where some of the test views are seen). */
function setScenery(seed, set) {
  const home = { room: makeRoom(randomFor(seed, set, 'home-room')), person: makePerson(randomFor(seed, set, 'home-person')) };
  const others = [0, 1, 2, 3, 4].map((k) => ({ room: makeRoom(randomFor(seed, set, 'room', k)), person: makePerson(randomFor(seed, set, 'person', k)) }));
  return { home, others };
}

function teachFrameScene(seed, set, object, cutout, scenery, size, frame) {
  const r = randomFor(seed, set, object.name, 'recording');
  const trajectory = recordingPath(r);
  const grip = randomGrip(r, scenery.home.person);
  const sway = randomFor(seed, set, object.name, 'sway');
  const swayX = sway.uniform(0, 2 * Math.PI), swayY = sway.uniform(0, 2 * Math.PI);
  const camera = { backgroundBlur: r.uniform(1.0, 1.6), focusBlur: r.uniform(0.2, 0.45), noise: r.uniform(2, 3.5), exposure: r.uniform(0.95, 1.05) };
  const t = frame / FPS, dt = 1 / FPS;
  const pose = { ...trajectory(t), shading: 0.25, lightX: scenery.home.room.light.fromX, lightY: -0.3 };
  const before = trajectory(t - dt / 4), after = trajectory(t + dt / 4);
  const f = randomFor(seed, set, object.name, 'frame', frame);
  const person = scenery.home.person;
  return {
    size, view: { x: 0, y: 0, zoom: 1 }, light: scenery.home.room.light,
    background: [...scenery.home.room.shapes, ...person.shapes(0.02 * Math.sin(0.9 * t + swayX), 0.01 * Math.sin(0.7 * t + swayY))],
    backgroundBlur: camera.backgroundBlur, cutout, pose,
    ...handLayers(makeHand(object, cutout, pose, person.skin, grip)),
    motion: [(after.x - before.x) * size, (after.y - before.y) * size],
    focusBlur: camera.focusBlur, exposure: camera.exposure * f.uniform(0.98, 1.02), whiteBalance: [1, 1, 1], vignette: 0.12,
    noise: camera.noise,
  };
}

function handLayers({ behind, front }) {
  return { handBehind: behind, handFront: front };
}

function testViewScene(seed, set, object, cutout, scenery, size, view) {
  const r = randomFor(seed, set, object.name, 'view', view);
  const atHome = r.chance(2 / 3);
  const place = atHome ? scenery.home : r.pick(scenery.others);
  const person = place.person;
  const exposure = r.logUniform(0.7, 1.3);
  const warmth = r.uniform(-1, 1);
  const tint = [1 + 0.1 * warmth, 1 + 0.02 * warmth, 1 - 0.14 * warmth].map((c, i) => c * place.room.light.tint[i]);
  const pose = {
    x: r.uniform(0.32, 0.68), y: r.uniform(0.34, 0.66), size: r.uniform(0.36, 0.72), roll: r.uniform(-0.35, 0.35),
    yaw: r.uniform(-0.7, 0.7), pitch: r.uniform(-0.35, 0.35), shading: r.uniform(0.1, 0.4), lightX: r.uniform(-1, 1), lightY: r.uniform(-1, 0.3),
  };
  const held = r.chance(0.85);
  const moving = r.chance(0.4);
  const angle = r.uniform(0, 2 * Math.PI), blur = moving ? r.uniform(0.5, 2) : 0;
  return {
    conditions: { room: atHome ? 'home' : 'other', held, moving },
    size,
    view: atHome ? { x: r.uniform(-0.03, 0.03), y: r.uniform(-0.03, 0.03), zoom: r.uniform(0.95, 1.05) }
                 : { x: r.uniform(-0.12, 0.12), y: r.uniform(-0.1, 0.1), zoom: r.uniform(0.85, 1.2) },
    light: { tint, fromX: r.uniform(-1, 1), falloff: r.uniform(0.1, 0.5) },
    background: [...place.room.shapes, ...(r.chance(0.85) ? person.shapes(r.uniform(-0.12, 0.12), r.uniform(-0.04, 0.06)) : [])],
    backgroundBlur: r.uniform(0.6, 2.2), cutout, pose,
    ...(held ? handLayers(makeHand(object, cutout, pose, person.skin, randomGrip(r, person))) : { handBehind: [], handFront: [] }),
    motion: [blur * Math.cos(angle), blur * Math.sin(angle)],
    focusBlur: r.uniform(0, 0.9), exposure, whiteBalance: r.jitter([1, 1, 1], 0.05), vignette: r.uniform(0.05, 0.3),
    noise: r.uniform(1.5, 5) / Math.sqrt(exposure),
  };
}

// ---- sources --------------------------------------------------------------------------------

function sha256Prefix(bytes) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function findSources(explicit) {
  const candidates = explicit ? [explicit] : [SYSTEM_SOURCES, CACHED_SOURCES];
  return candidates.find((dir) => OBJECTS.every((o) => existsSync(path.join(dir, o.file))));
}

/** Fetches the package with apt-get download (no install), keeps the photos the set uses. */
function fetchSources(log) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'teach-sources-'));
  try {
    log(`teach-set: fetching ${SOURCE_PACKAGE} (apt-get download, about 160 MB; only 18 photos are kept)`);
    const download = () => execFileSync('apt-get', ['download', '-qq', SOURCE_PACKAGE], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      download();
    } catch {
      log('teach-set: apt-get download failed; updating the package lists once and retrying');
      execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      download();
    }
    const deb = execFileSync('sh', ['-c', 'ls *.deb'], { cwd: work, encoding: 'utf8' }).trim().split('\n')[0];
    execFileSync('dpkg', ['-x', deb, 'root'], { cwd: work });
    for (const o of OBJECTS) {
      const target = path.join(CACHED_SOURCES, o.file);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(path.join(work, 'root', SYSTEM_SOURCES, o.file), target);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return CACHED_SOURCES;
}

/** The decoded photos of `objects` by name, and where they came from. */
export function loadPhotos(objects, { sources, log = console.error } = {}) {
  const dir = findSources(sources) ?? (sources ? null : fetchSources(log));
  if (!dir) throw new Error(`teach-set: the photos are not in ${sources}`);
  const photos = {}, origin = {};
  for (const o of objects) {
    const bytes = readFileSync(path.join(dir, o.file));
    const sha256 = sha256Prefix(bytes);
    if (sha256 !== o.sha256) log(`teach-set: warning: ${o.file} is not the photo this set was made with (sha256 ${sha256}…, expected ${o.sha256}…)`);
    photos[o.name] = decodePng(bytes);
    origin[o.name] = { package: SOURCE_PACKAGE, file: o.file, sha256 };
  }
  return { photos, origin, dir };
}

// ---- the set ----------------------------------------------------------------------------------

/**
 * Writes one set under `out/<set>`. options: seed, teachFrames, testViews, size, objects (default:
 * the set's OBJECTS), photos (name -> {width, height, data: RGBA}; default: loaded from the
 * Debian package), sources, force, log. Returns the manifest.
 */
export function generateSet(out, set, options = {}) {
  const { seed, teachFrames, testViews, size } = { ...DEFAULTS, ...options };
  const log = options.log ?? console.error;
  const objects = options.objects ?? OBJECTS.filter((o) => o.set === set);
  const parameters = { generator: GENERATOR_VERSION, set, seed, size, fps: FPS, teachFrames, testViews };
  const dir = path.join(out, set), manifestPath = path.join(dir, 'manifest.json');
  if (!options.force && existsSync(manifestPath)) {
    const old = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (JSON.stringify(old.parameters) === JSON.stringify(parameters) &&
        JSON.stringify(old.objects.map((o) => o.name)) === JSON.stringify(objects.map((o) => o.name))) return old;
  }
  const { photos, origin } = options.photos ? { photos: options.photos, origin: {} } : loadPhotos(objects, options);
  rmSync(dir, { recursive: true, force: true });
  const scenery = setScenery(seed, set);
  let files = 0, bytes = 0;
  const conditions = {};
  const write = (file, image) => {
    const png = encodePng(image);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, png);
    files++;
    bytes += png.length;
  };
  const width = String(Math.max(teachFrames, testViews) - 1).length;
  for (const object of objects) {
    const cutout = prepareCutout(photos[object.name]);
    if (object.role === 'taught') {
      for (let i = 0; i < teachFrames; i++) {
        const noise = randomFor(seed, set, object.name, 'frame-noise', i);
        write(path.join(dir, 'teach', object.name, `frame-${String(i).padStart(width, '0')}.png`),
              renderFrame(teachFrameScene(seed, set, object, cutout, scenery, size, i), noise.gaussian));
      }
    }
    conditions[object.name] = [];
    for (let i = 0; i < testViews; i++) {
      const noise = randomFor(seed, set, object.name, 'view-noise', i);
      const scene = testViewScene(seed, set, object, cutout, scenery, size, i);
      conditions[object.name].push(scene.conditions);
      write(path.join(dir, 'test', object.name, `view-${String(i).padStart(width, '0')}.png`), renderFrame(scene, noise.gaussian));
    }
  }
  const manifest = {
    parameters,
    objects: objects.map((o) => ({ name: o.name, role: o.role, ...(origin[o.name] ? { source: origin[o.name] } : {}) })),
    taught: objects.filter((o) => o.role === 'taught').map((o) => o.name),
    neverTaught: objects.filter((o) => o.role === 'never-taught').map((o) => o.name),
    files, bytes,
    // per object, per test view: seen in the home room or another, held by a hand, moving
    testViewConditions: conditions,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`teach-set: ${set}: ${files} images (${(bytes / 1e6).toFixed(1)} MB) in ${dir}`);
  return manifest;
}

// The picture of the set in docs/accuracy.md: per row, teach frames 0, 15, 30 and 44 of a taught
// object and its first four test views; the last row, four views each of two never-taught ones.
const SHEET_ROWS = [
  ...[['tune', 'mug'], ['tune', 'rubber-duck'], ['tune', 'binoculars'], ['test', 'kettle'], ['test', 'nutcracker']]
    .map(([set, name]) => [...[0, 15, 30, 44].map((i) => `${set}/teach/${name}/frame-${String(i).padStart(2, '0')}.png`),
                           ...[0, 1, 2, 3].map((i) => `${set}/test/${name}/view-0${i}.png`)]),
  [...[0, 1, 2, 3].map((i) => `tune/test/jug/view-0${i}.png`), ...[0, 1, 2, 3].map((i) => `test/test/teapot/view-0${i}.png`)],
];

/** One PNG of the SHEET_ROWS images of the default sets, side by side with 1-pixel white gaps. */
function writeSheet(out, file) {
  const images = SHEET_ROWS.map((row) => row.map((name) => decodePng(readFileSync(path.join(out, name)))));
  const cell = images[0][0].width + 2, width = cell * images[0].length, height = cell * images.length;
  const data = new Uint8Array(width * height * 3).fill(255);
  images.forEach((row, r) => row.forEach((image, c) => {
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const from = (y * image.width + x) * 4, to = ((r * cell + 1 + y) * width + c * cell + 1 + x) * 3;
        data.set(image.data.subarray(from, from + 3), to);
      }
    }
  }));
  writeFileSync(file, encodePng({ width, height, data }));
}

function parseArguments(argv) {
  const options = { out: path.join(ROOT, 'build/teach-set'), sets: SETS };
  const numbers = { '--seed': 'seed', '--teach-frames': 'teachFrames', '--test-views': 'testViews', '--size': 'size' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--force') options.force = true;
    else if (flag === '--out') options.out = path.resolve(argv[++i]);
    else if (flag === '--sources') options.sources = path.resolve(argv[++i]);
    else if (flag === '--sets') options.sets = argv[++i].split(',');
    else if (flag === '--sheet') options.sheet = path.resolve(argv[++i]);
    else if (numbers[flag]) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (flag === '--seed' ? 0 : 1)) throw new Error(`${flag} needs a whole number`);
      options[numbers[flag]] = value;
    } else throw new Error(`unknown option ${flag}`);
  }
  for (const set of options.sets) if (!SETS.includes(set)) throw new Error(`unknown set ${set} (expected ${SETS.join(' or ')})`);
  return options;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`teach-set: ${error.message}`);
    process.exit(2);
  }
  for (const set of options.sets) generateSet(options.out, set, options);
  if (options.sheet) writeSheet(options.out, options.sheet);
}
