// fake-camera.mjs - helpers of the browser tests: Y4M videos for Chromium's fake camera, and a
// launcher of Debian's Chromium through playwright-core with one video per launch and a
// profile directory shared between launches (so IndexedDB and the service worker persist), and
// the page actions every test and bench repeats (add a class, hold to record), and the scenes'
// frames drawn directly for tests and benches of the engine alone.
// Not a test file itself (node --test picks only *.test.mjs).
import { writeFileSync, existsSync } from 'node:fs';

// playwright-core is an npm package of the top-level package.json: without it the tests say so
// (tests/node/prerequisites.mjs) instead of failing to import.
const playwright = await import('playwright-core').catch(() => null);

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** What the browser tests lack, as a sentence saying what to install; '' when nothing. */
export const browserMissing = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (Debian package chromium; build-scripts/setup.sh installs it, or set CHROMIUM_PATH)`
  : !playwright ? 'npm playwright-core is not installed (run build-scripts/setup.sh, or npm ci)' : '';
export const chromiumAvailable = browserMissing === '';

function rgbToYuv([r, g, b]) {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  const clamp = (x) => Math.max(0, Math.min(255, Math.round(x)));
  return [clamp(y), clamp(u), clamp(v)];
}

/**
 * Writes a looping Y4M video (C420jpeg: a header, then per frame "FRAME\n" and planar I420) of a
 * coloured scene: `pattern(x, y, t)` returns [r, g, b] for pixel (x, y) of frame t.
 */
export function writeY4m(path, { width = 160, height = 120, frames = 30, fps = 30, pattern }) {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frameMarker = Buffer.from('FRAME\n', 'ascii');
  const lumaSize = width * height;
  const chromaSize = (width / 2) * (height / 2);
  const parts = [header];
  for (let t = 0; t < frames; t++) {
    const plane = Buffer.alloc(lumaSize + 2 * chromaSize);
    const uSum = new Float64Array(chromaSize);
    const vSum = new Float64Array(chromaSize);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [Y, U, V] = rgbToYuv(pattern(x, y, t));
        plane[y * width + x] = Y;
        const c = (y >> 1) * (width / 2) + (x >> 1);
        uSum[c] += U;
        vSum[c] += V;
      }
    }
    for (let c = 0; c < chromaSize; c++) {
      plane[lumaSize + c] = Math.round(uSum[c] / 4);
      plane[lumaSize + chromaSize + c] = Math.round(vSum[c] / 4);
    }
    parts.push(frameMarker, plane);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/** Scene A: warm red-orange with diagonal stripes drifting right. */
export function sceneA(x, y, t) {
  const stripe = Math.sin((x + y + 3 * t) / 6) > 0 ? 1 : 0.7;
  return [230 * stripe, 70 * stripe, 40 * stripe];
}

/** Scene B: cool blue with a moving bright disc. */
export function sceneB(x, y, t) {
  const cx = 80 + 40 * Math.cos(t / 5);
  const cy = 60 + 25 * Math.sin(t / 5);
  const inside = (x - cx) ** 2 + (y - cy) ** 2 < 22 ** 2;
  return inside ? [200, 230, 255] : [30, 60, 200];
}

/** Scene C: a green and yellow checkerboard drifting sideways. */
export function sceneC(x, y, t) {
  const on = (Math.floor((x + 2 * t) / 16) + Math.floor(y / 16)) % 2 === 0;
  return on ? [60, 200, 60] : [230, 220, 70];
}

/**
 * Frame t of a scene as the page takes it from the fake camera, drawn directly as an RGB image
 * for the engine: the middle square of the 160x120 picture, `size` pixels a side.
 */
export function sceneFrame(pattern, t, size = 96) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pattern(20 + (x * 120) / size, (y * 120) / size, t);
      data.set([r, g, b], (y * size + x) * 3);
    }
  }
  return { width: size, height: size, channels: 3, data };
}

/** `count` frames of a scene from frame `first` on (sceneFrame). */
export function sceneFrames(pattern, first, count = 30) {
  return Array.from({ length: count }, (_, t) => sceneFrame(pattern, first + t));
}

// What every launch needs on this machine: no sandbox (root), no GPU, and nothing that reaches
// the network by itself.
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];

/** Launches Chromium with no camera at all (camera prompts are denied): a Browser. */
export function launchWithoutCamera() {
  return playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_ARGS, '--deny-permission-prompts'] });
}

/** Launches Chromium with `video` as the camera and `profile` as the user-data directory. */
export function launch(profile, video) {
  return playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1180, height: 860 },
    args: [
      ...BASE_ARGS,
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
}

/** Adds a class through the page's controls and waits until the page's state has it. */
export async function addClass(page, name) {
  await page.getByRole('button', { name: 'Add class' }).click();
  const box = page.getByRole('textbox', { name: 'Class name' }).last();
  await box.fill(name);
  await box.press('Enter');
  await page.waitForFunction((n) => window.icarlPage.meta.classes.some((c) => c.name === n), name);
}

/** Holds class `name`'s "Hold to record" button with the pointer until `whilePressed()`
 * resolves (for example a timeout, or a wait for a sample count). */
export async function holdToRecord(page, name, whilePressed) {
  await page.locator(`.class-card[data-name="${name}"]`).getByRole('button', { name: 'Hold to record' }).hover();
  await page.mouse.down();
  try {
    await whilePressed();
  } finally {
    await page.mouse.up();
  }
}

/** The sample count on class `name`'s card. */
export async function sampleCount(page, name) {
  const text = await page.locator(`.class-card[data-name="${name}"] .count`).textContent();
  return Number(text.match(/^(\d+) sample/)[1]);
}

/** Resolves once class `name`'s card counts at least `count` samples (a generous hang guard). */
export function samplesReach(page, name, count) {
  return page.waitForFunction(([n, c]) => {
    const text = document.querySelector(`.class-card[data-name="${n}"] .count`)?.textContent ?? '';
    return Number(text.match(/^(\d+) sample/)?.[1] ?? 0) >= c;
  }, [name, count], { timeout: 60_000 });
}

/** Holds class `name`'s "Hold to record" with the pointer until its card counts at least
 * `count` samples: as many frames as a test needs, however slowly a loaded machine records. */
export function recordSamples(page, name, count) {
  return holdToRecord(page, name, () => samplesReach(page, name, count));
}
