// camera-panel.js - the Camera panel: starts the camera (camera.js) into the preview, offers the
// camera list when there is more than one, the mirror switch (remembered in localStorage), grabs
// the centre-square frames that recording and prediction use, marks on the preview the part of
// them the learner looks at, and keeps the camera picture in view while a person records.
import { grabSquare, listCameras, startCamera } from './camera.js';
import { learner, render } from './class-state.js';
import { canvasContext, element } from './dom.js';
import { el } from './webcam-elements.js';

const FRAME_SIDE = 96; // frames are centre squares of this side; the engine resizes them to model size
const frameContext = canvasContext(FRAME_SIDE);

/** True once the preview shows a camera picture. */
export let cameraReady = false;

/** The canvas that holds the last grabbed frame (for a thumbnail of it). */
export const frameCanvas = frameContext.canvas;

/** The centre square of the camera picture (or of `source`, an image or ImageBitmap) as
 * ImageData; null while there is no picture. */
export function grabFrame(source = el.video) {
  return grabSquare(frameContext, source, FRAME_SIDE);
}

/** Sizes the preview's guide square to what the learner looks at: the frame's centre square
 * (grabFrame) cut to the learner's centre crop (the engine cuts it again to that fraction). */
export function renderViewGuide() {
  el.viewGuide.style.setProperty('--view-fraction', String(learner?.config.centreCrop ?? 1));
}

/** Starts the camera (a chosen one, or the default) and renders; on failure the panel says why. */
export async function setupCamera(deviceId) {
  cameraReady = false;
  try {
    await startCamera(el.video, deviceId);
    el.cameraMessage.hidden = true;
    await new Promise((resolve) => {
      if (el.video.readyState >= 2) resolve();
      else el.video.addEventListener('loadeddata', resolve, { once: true });
    });
    cameraReady = true;
    await refreshCameraList();
  } catch (error) {
    el.cameraMessage.textContent = error.message;
    el.cameraMessage.hidden = false;
    document.body.dataset.camera = 'unavailable';
  }
  render();
}

async function refreshCameraList() {
  const cameras = await listCameras().catch(() => []);
  const current = el.video.srcObject?.getVideoTracks()[0]?.getSettings().deviceId;
  el.cameraSelect.replaceChildren(...cameras.map((camera, i) => element('option', {
    value: camera.deviceId, textContent: camera.label || `Camera ${i + 1}`, selected: camera.deviceId === current,
  })));
  el.cameraChoice.hidden = cameras.length < 2;
}

/** The mirror switch, the camera list and its changes. */
export function wireCameraPanel() {
  el.mirror.checked = localStorage.getItem('icarl-mirror') !== 'off';
  el.video.classList.toggle('mirrored', el.mirror.checked);
  el.mirror.addEventListener('change', () => {
    el.video.classList.toggle('mirrored', el.mirror.checked);
    localStorage.setItem('icarl-mirror', el.mirror.checked ? 'on' : 'off');
  });
  el.cameraSelect.addEventListener('change', () => setupCamera(el.cameraSelect.value));
  navigator.mediaDevices?.addEventListener?.('devicechange', refreshCameraList);
  watchPreviewInView();
}

/** Marks the preview .out-of-view while less than half of it is on screen. On a phone the class
 * cards sit below the camera: style.css then pins the video to a corner of the window while a
 * class is being recorded or a class card has focus, so a person sees what they record. */
function watchPreviewInView() {
  if (!('IntersectionObserver' in window)) return;
  new IntersectionObserver(([entry]) => {
    el.preview.classList.toggle('out-of-view', entry.intersectionRatio < 0.5);
  }, { threshold: [0, 0.5, 1] }).observe(el.preview);
}
