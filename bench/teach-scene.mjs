// teach-scene.mjs - draws one webcam frame of the evaluation set from a fully specified scene:
// a room and a person behind (flat shapes, defocused), a photographed object cut-out held up in
// front (placed by a 3-D rotation and a perspective projection of its photo, shaded by the
// light), a hand gripping it, then what a cheap camera does (motion blur, defocus, exposure,
// white balance, vignetting, sensor noise). Every parameter comes from the caller; the only
// randomness here is the sensor noise, drawn from the generator the caller passes. The frame is
// drawn at twice its size and averaged down, which antialiases every edge.

/** A premultiplied RGBA float image; rgb in 0..1. */
function layer(width, height) {
  return { width, height, rgb: new Float32Array(width * height * 3), alpha: new Float32Array(width * height) };
}

/** The source photo as premultiplied float RGBA and its halvings (a mipmap), so that a cut-out
 * several times larger than its place in the frame is averaged rather than point-sampled. */
export function prepareCutout({ width, height, data }) {
  let level = { width, height, rgba: new Float32Array(width * height * 4) };
  for (let i = 0; i < width * height; i++) {
    const a = data[i * 4 + 3] / 255;
    level.rgba[i * 4] = (data[i * 4] / 255) * a;
    level.rgba[i * 4 + 1] = (data[i * 4 + 1] / 255) * a;
    level.rgba[i * 4 + 2] = (data[i * 4 + 2] / 255) * a;
    level.rgba[i * 4 + 3] = a;
  }
  const levels = [level];
  while (level.width > 8 && level.height > 8) {
    const w = level.width >> 1, h = level.height >> 1, next = new Float32Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 4; c++) {
          const at = (dy, dx) => level.rgba[((2 * y + dy) * level.width + 2 * x + dx) * 4 + c];
          next[(y * w + x) * 4 + c] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
        }
      }
    }
    level = { width: w, height: h, rgba: next };
    levels.push(level);
  }
  return { width, height, levels };
}

function sampleBilinear(level, u, v, out) {
  const x = u - 0.5, y = v - 0.5;
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  out[0] = out[1] = out[2] = out[3] = 0;
  for (let dy = 0; dy <= 1; dy++) {
    const yy = y0 + dy;
    if (yy < 0 || yy >= level.height) continue;
    for (let dx = 0; dx <= 1; dx++) {
      const xx = x0 + dx;
      if (xx < 0 || xx >= level.width) continue;
      const weight = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
      const at = (yy * level.width + xx) * 4;
      for (let c = 0; c < 4; c++) out[c] += weight * level.rgba[at + c];
    }
  }
}

// ---- flat shapes: signed distances, coverage from the distance in pixels ----------------------

const distance = {
  rect: (s, x, y) => {
    const r = s.round ?? 0;
    const qx = Math.abs(x - (s.x0 + s.x1) / 2) - (s.x1 - s.x0) / 2 + r;
    const qy = Math.abs(y - (s.y0 + s.y1) / 2) - (s.y1 - s.y0) / 2 + r;
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
  },
  // not an exact distance, but exact on the boundary and smooth: enough for a soft edge
  ellipse: (s, x, y) => {
    const nx = (x - s.cx) / s.rx, ny = (y - s.cy) / s.ry;
    return (Math.hypot(nx, ny) - 1) * Math.min(s.rx, s.ry);
  },
  capsule: (s, x, y) => {
    const dx = s.bx - s.ax, dy = s.by - s.ay;
    const t = Math.max(0, Math.min(1, ((x - s.ax) * dx + (y - s.ay) * dy) / (dx * dx + dy * dy || 1)));
    return Math.hypot(x - s.ax - t * dx, y - s.ay - t * dy) - s.r;
  },
};

function bounds(s) {
  if (s.shape === 'rect') return [s.x0, s.y0, s.x1, s.y1];
  if (s.shape === 'ellipse') return [s.cx - s.rx, s.cy - s.ry, s.cx + s.rx, s.cy + s.ry];
  return [Math.min(s.ax, s.bx) - s.r, Math.min(s.ay, s.by) - s.r, Math.max(s.ax, s.bx) + s.r, Math.max(s.ay, s.by) + s.r];
}

/** Paints shape `s` (frame coordinates 0..1, y down) into `target` through `view` (a camera
 * offset and zoom). The colour darkens towards the shape's bottom by s.shade and is lit by
 * `lighting(x)` unless the shape glows (a window, a lamp). */
function paint(target, s, view, lighting) {
  const { width, height } = target;
  const toPixelX = (x) => ((x - 0.5 - view.x) * view.zoom + 0.5) * width;
  const toPixelY = (y) => ((y - 0.5 - view.y) * view.zoom + 0.5) * height;
  const [bx0, by0, bx1, by1] = bounds(s);
  const px0 = Math.max(0, Math.floor(toPixelX(bx0)) - 1), px1 = Math.min(width - 1, Math.ceil(toPixelX(bx1)) + 1);
  const py0 = Math.max(0, Math.floor(toPixelY(by0)) - 1), py1 = Math.min(height - 1, Math.ceil(toPixelY(by1)) + 1);
  const pixel = 1 / (width * view.zoom);
  const sd = distance[s.shape];
  for (let py = py0; py <= py1; py++) {
    const y = ((py + 0.5) / height - 0.5) / view.zoom + 0.5 + view.y;
    const along = (y - by0) / Math.max(by1 - by0, 1e-6);
    for (let px = px0; px <= px1; px++) {
      const x = ((px + 0.5) / width - 0.5) / view.zoom + 0.5 + view.x;
      const coverage = Math.max(0, Math.min(1, 0.5 - sd(s, x, y) / pixel)) * (s.opacity ?? 1);
      if (coverage <= 0) continue;
      const light = s.glow ? 1 : lighting(x, y);
      const shade = 1 - (s.shade ?? 0) * along;
      const at = py * width + px;
      for (let c = 0; c < 3; c++) {
        const value = s.color[c] * shade * light;
        target.rgb[at * 3 + c] = target.rgb[at * 3 + c] * (1 - coverage) + value * coverage;
      }
      if (target.alpha) target.alpha[at] = target.alpha[at] * (1 - coverage) + coverage;
    }
  }
}

/** `shape` painted premultiplied on a transparent layer (the hand over or under the object). */
function paintOnLayer(target, shape, lighting) {
  const { width, height } = target;
  const [bx0, by0, bx1, by1] = bounds(shape);
  const px0 = Math.max(0, Math.floor(bx0 * width) - 1), px1 = Math.min(width - 1, Math.ceil(bx1 * width) + 1);
  const py0 = Math.max(0, Math.floor(by0 * height) - 1), py1 = Math.min(height - 1, Math.ceil(by1 * height) + 1);
  const sd = distance[shape.shape];
  for (let py = py0; py <= py1; py++) {
    const y = (py + 0.5) / height;
    for (let px = px0; px <= px1; px++) {
      const x = (px + 0.5) / width;
      const d = sd(shape, x, y);
      const coverage = Math.max(0, Math.min(1, 0.5 - d * width));
      if (coverage <= 0) continue;
      // rounded limbs: darker towards their outline
      const rim = shape.r ? Math.max(0, Math.min(1, -d / shape.r)) : 1;
      const light = lighting(x, y) * (0.72 + 0.28 * Math.sqrt(rim));
      const at = py * width + px;
      for (let c = 0; c < 3; c++) target.rgb[at * 3 + c] = target.rgb[at * 3 + c] * (1 - coverage) + shape.color[c] * light * coverage;
      target.alpha[at] = target.alpha[at] * (1 - coverage) + coverage;
    }
  }
}

// ---- the object: a photo on a plane, rotated in 3-D and projected ------------------------------

function rotation(roll, yaw, pitch) {
  const [cr, sr, cy, sy, cp, sp] = [Math.cos(roll), Math.sin(roll), Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
  const z = [[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]];
  const y = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]];
  const x = [[1, 0, 0], [0, cp, -sp], [0, sp, cp]];
  const times = (a, b) => a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));
  return times(times(z, y), x);
}

function invert3(m) {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [[A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
          [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
          [C / det, -(a * h - b * g) / det, (a * e - b * d) / det]];
}

// Viewing distance in object sizes: about a hand's length from a laptop's camera.
const VIEW_DISTANCE = 2.6;

/** The homography from the cut-out's centred, size-normalised plane (p in -0.5..0.5 along its
 * longer side) to frame coordinates, and the frame-space corners of the photo. */
export function objectProjection(cutout, pose) {
  const R = rotation(pose.roll, pose.yaw, pose.pitch);
  const D = VIEW_DISTANCE, s = pose.size;
  const H = [
    [pose.x * R[2][0] + s * D * R[0][0], pose.x * R[2][1] + s * D * R[0][1], pose.x * D],
    [pose.y * R[2][0] + s * D * R[1][0], pose.y * R[2][1] + s * D * R[1][1], pose.y * D],
    [R[2][0], R[2][1], D],
  ];
  const longest = Math.max(cutout.width, cutout.height);
  const half = [cutout.width / longest / 2, cutout.height / longest / 2];
  const project = (px, py) => {
    const w = H[2][0] * px + H[2][1] * py + H[2][2];
    return [(H[0][0] * px + H[0][1] * py + H[0][2]) / w, (H[1][0] * px + H[1][1] * py + H[1][2]) / w];
  };
  const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([a, b]) => project(a * half[0], b * half[1]));
  return { H, inverse: invert3(H), corners, project, half };
}

function paintObject(target, cutout, pose, lighting) {
  const { width, height } = target;
  const { inverse: M, corners } = objectProjection(cutout, pose);
  const longest = Math.max(cutout.width, cutout.height);
  const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
  const px0 = Math.max(0, Math.floor(Math.min(...xs) * width) - 1), px1 = Math.min(width - 1, Math.ceil(Math.max(...xs) * width) + 1);
  const py0 = Math.max(0, Math.floor(Math.min(...ys) * height) - 1), py1 = Math.min(height - 1, Math.ceil(Math.max(...ys) * height) + 1);
  // mip level: photo pixels per frame pixel, from the projected size (foreshortening aside)
  const footprint = longest / (pose.size * width);
  const levelIndex = Math.max(0, Math.min(cutout.levels.length - 1, Math.floor(Math.log2(Math.max(footprint, 1)))));
  const level = cutout.levels[levelIndex];
  const scale = level.width / cutout.width;
  // a plane lit from one side: brighter where it faces the light, dimmer when turned away
  const facing = 0.8 + 0.2 * Math.cos(pose.yaw) * Math.cos(pose.pitch);
  const sample = new Float32Array(4);
  for (let py = py0; py <= py1; py++) {
    const y = (py + 0.5) / height;
    for (let px = px0; px <= px1; px++) {
      const x = (px + 0.5) / width;
      const w = M[2][0] * x + M[2][1] * y + M[2][2];
      const u = (M[0][0] * x + M[0][1] * y + M[0][2]) / w, v = (M[1][0] * x + M[1][1] * y + M[1][2]) / w;
      if (Math.abs(u) > 0.6 || Math.abs(v) > 0.6) continue;
      sampleBilinear(level, (u * longest + cutout.width / 2) * scale, (v * longest + cutout.height / 2) * scale, sample);
      const a = sample[3];
      if (a <= 0) continue;
      const light = lighting(x, y) * facing * (1 + pose.shading * (pose.lightX * u + pose.lightY * v));
      const at = py * width + px;
      for (let c = 0; c < 3; c++) target.rgb[at * 3 + c] = target.rgb[at * 3 + c] * (1 - a) + sample[c] * light;
      target.alpha[at] = target.alpha[at] * (1 - a) + a;
    }
  }
}

// ---- blur and compositing ---------------------------------------------------------------------

function gaussianKernel(sigma) {
  const radius = Math.max(1, Math.ceil(sigma * 2.5));
  const weights = [];
  for (let i = -radius; i <= radius; i++) weights.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  return { radius, weights: weights.map((w) => w / total) };
}

/** Gaussian blur of interleaved `data` (width*height*channels floats) in two separable passes,
 * edges clamped. */
function blurPlane(data, width, height, channels, sigma) {
  if (!(sigma > 0.05)) return;
  const { radius, weights } = gaussianKernel(sigma);
  const tmp = new Float32Array(data.length);
  blurPass(data, tmp, width, height, channels, radius, weights, 1, 0);
  blurPass(tmp, data, width, height, channels, radius, weights, 0, 1);
}

/** One pass of the separable blur along (stepX, stepY), from `source` into `target`. */
function blurPass(source, target, width, height, channels, radius, weights, stepX, stepY) {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const xx = Math.min(width - 1, Math.max(0, x + k * stepX)), yy = Math.min(height - 1, Math.max(0, y + k * stepY));
          sum += weights[k + radius] * source[(yy * width + xx) * channels + c];
        }
        target[(y * width + x) * channels + c] = sum;
      }
    }
  }
}

/** The average of copies shifted along (dx, dy) pixels: an object moving while the shutter is
 * open. */
function motionBlur(data, width, height, channels, dx, dy) {
  const steps = Math.round(Math.hypot(dx, dy));
  if (steps < 1) return;
  const out = new Float32Array(data.length);
  for (let s = 0; s <= steps; s++) {
    const ox = Math.round((s / steps - 0.5) * dx), oy = Math.round((s / steps - 0.5) * dy);
    for (let y = 0; y < height; y++) {
      const yy = Math.min(height - 1, Math.max(0, y + oy));
      for (let x = 0; x < width; x++) {
        const xx = Math.min(width - 1, Math.max(0, x + ox));
        for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] += data[(yy * width + xx) * channels + c] / (steps + 1);
      }
    }
  }
  data.set(out);
}

/**
 * Draws one frame. `scene`:
 *   size            output side in pixels (drawn at twice that)
 *   background      shapes of the room and the person, frame coordinates
 *   view            {x, y, zoom}: where the webcam points in the room
 *   backgroundBlur  defocus of everything behind the object, in output pixels
 *   light           {tint: [r,g,b], fromX: -1..1 (side of the key light), falloff}
 *   cutout, pose    the prepared photo and {x, y, size, roll, yaw, pitch, shading, lightX, lightY}
 *   handBehind, handFront   shapes of the hand under and over the object
 *   motion          [dx, dy] blur of the object and hand, output pixels
 *   focusBlur, exposure, whiteBalance [r,g,b], vignette, noise (standard deviation in 0..255)
 * `gaussian()` draws the sensor noise. Returns {width, height, data: RGB bytes}.
 */
export function renderFrame(scene, gaussian) {
  const size = scene.size, big = size * 2;
  const room = layer(big, big);
  room.alpha = null;
  const lighting = (x, y) => 1 + scene.light.falloff * (scene.light.fromX * (x - 0.5) - 0.3 * (y - 0.5));
  for (const s of scene.background) paint(room, s, scene.view, lighting);
  blurPlane(room.rgb, big, big, 3, scene.backgroundBlur * 2);

  const held = layer(big, big);
  for (const s of scene.handBehind) paintOnLayer(held, s, lighting);
  paintObject(held, scene.cutout, scene.pose, lighting);
  for (const s of scene.handFront) paintOnLayer(held, s, lighting);
  motionBlur(held.rgb, big, big, 3, scene.motion[0] * 2, scene.motion[1] * 2);
  motionBlur(held.alpha, big, big, 1, scene.motion[0] * 2, scene.motion[1] * 2);

  const frame = room.rgb;
  for (let i = 0; i < big * big; i++) {
    for (let c = 0; c < 3; c++) frame[i * 3 + c] = frame[i * 3 + c] * (1 - held.alpha[i]) + held.rgb[i * 3 + c];
  }
  blurPlane(frame, big, big, 3, scene.focusBlur * 2);

  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r2 = ((x + 0.5) / size - 0.5) ** 2 + ((y + 0.5) / size - 0.5) ** 2;
      const gain = scene.exposure * (1 - scene.vignette * r2 * 2);
      const luma = gaussian() * scene.noise;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) sum += frame[((2 * y + dy) * big + 2 * x + dx) * 3 + c];
        const value = (sum / 4) * gain * scene.light.tint[c] * scene.whiteBalance[c];
        // a webcam's tone curve rolls highlights off instead of clipping them hard
        const toned = value < 0.8 ? value : 0.8 + 0.2 * Math.tanh((value - 0.8) / 0.2);
        const noisy = toned * 255 + luma + gaussian() * scene.noise * 0.5;
        out[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(noisy)));
      }
    }
  }
  return { width: size, height: size, data: out };
}
