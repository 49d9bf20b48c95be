// recording.js - examples for a class: while its "Hold to record" button is held (pointer, Space
// or Enter) camera frames are recorded RECORD_PER_SECOND times a second; image files can be
// picked or dropped too. Each example goes to the learner as an image no step has learned yet,
// and its thumbnail to the class card.
import { cameraReady, frameCanvas, grabFrame } from './camera-panel.js';
import { render } from './class-state.js';
import { scheduleSave } from './saving.js';
import { THUMBS_KEPT, thumbnailOf } from './thumbnails.js';
import { addExample } from './training.js';
import { say } from './webcam-elements.js';

const RECORD_PER_SECOND = 10;

let recording = null; // {entry, button, timer}

export const isRecording = () => recording !== null;

function addImage(entry, image, thumbSource) {
  addExample(entry.name, image);
  entry.samples++;
  entry.thumbs.push(thumbnailOf(thumbSource));
  if (entry.thumbs.length > THUMBS_KEPT) entry.thumbs.splice(0, entry.thumbs.length - THUMBS_KEPT);
}

function startRecording(entry, button, onRecorded) {
  if (recording) return;
  if (!cameraReady) {
    say('No camera picture to record. Add images with “Add images” or by dropping files on the class.', 'error');
    return;
  }
  button.classList.add('recording');
  button.setAttribute('aria-pressed', 'true');
  document.body.dataset.recording = 'true'; // camera-panel.js keeps the preview in view meanwhile
  const capture = () => {
    const image = grabFrame();
    if (!image) return;
    addImage(entry, image, frameCanvas);
    onRecorded();
  };
  capture();
  recording = { entry, button, timer: setInterval(capture, 1000 / RECORD_PER_SECOND) };
}

export function stopRecording() {
  if (!recording) return;
  clearInterval(recording.timer);
  recording.button.classList.remove('recording');
  recording.button.setAttribute('aria-pressed', 'false');
  delete document.body.dataset.recording;
  recording = null;
  render();
  scheduleSave();
}

/** Makes `button` record frames for `entry` while it is held; onRecorded() after each frame. */
export function wireRecordButton(button, entry, onRecorded) {
  button.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    button.setPointerCapture?.(event.pointerId);
    startRecording(entry, button, onRecorded);
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) button.addEventListener(type, stopRecording);
  button.addEventListener('keydown', (event) => {
    if (event.key !== ' ' && event.key !== 'Enter') return;
    event.preventDefault(); // no click, no scrolling
    if (!event.repeat) startRecording(entry, button, onRecorded);
  });
  button.addEventListener('keyup', (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      stopRecording();
    }
  });
  button.addEventListener('blur', stopRecording);
  button.addEventListener('contextmenu', (event) => event.preventDefault()); // long press on touch
}

/** Adds image files to `entry` (their centre squares, like camera frames); says how it went. */
export async function addFiles(entry, files) {
  let added = 0;
  let failed = 0;
  for (const file of files) {
    if (!file.type.startsWith('image/')) {
      failed++;
      continue;
    }
    try {
      const bitmap = await createImageBitmap(file);
      const image = grabFrame(bitmap);
      bitmap.close();
      addImage(entry, image, frameCanvas);
      added++;
    } catch {
      failed++;
    }
  }
  render();
  if (added) scheduleSave();
  say(failed ? `Added ${added} image(s); ${failed} file(s) could not be read as images.` : `Added ${added} image(s) to “${entry.name}”.`, failed ? 'error' : 'info');
}
