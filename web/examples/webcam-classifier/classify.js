// classify.js - examples/webcam-classifier: starts the webcam, loads the exported model the person
// picks and names what the camera sees, one classification per video frame. The export dialog of
// the teaching page and the README show its essential lines (tests/browser/examples.test.mjs
// checks that they are these, in this order).
import { loadLearner } from 'icarl-wasm';

const video = document.querySelector('#camera');
const output = document.querySelector('#label');
let current = 0; // the model in use: picking another file stops the one before

function show(text) {
  if (output.textContent !== text) output.textContent = text;
}

const cameraStarted = navigator.mediaDevices.getUserMedia({ video: true, audio: false }).then((stream) => {
  video.srcObject = stream;
  return video.play();
});
cameraStarted.catch((error) => show(`The camera cannot be used (${error.message}).`));

/** Loads the model in `file` and classifies the camera with it, frame after frame, until another
 * file is picked. */
async function useModel(file) {
  const mine = ++current;
  const learner = await loadLearner(await file.arrayBuffer());   // file: the exported model
  if (!learner.classDetails.some((entry) => entry.trained)) {
    learner.dispose();
    throw new Error('it has no trained class yet (press Train on the teaching page, then export)');
  }
  show(`Loaded ${learner.classes.length} classes: ${learner.classes.join(', ')}.`);
  await cameraStarted;
  const classifyFrame = () => {
    if (mine !== current) return learner.dispose();
    const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0);
    const { label } = learner.classify(context.getImageData(0, 0, canvas.width, canvas.height));
    show(label);
    video.requestVideoFrameCallback(classifyFrame);
  };
  video.requestVideoFrameCallback(classifyFrame);
}

document.querySelector('#model').addEventListener('change', (event) => {
  const [file] = event.target.files;
  if (file) useModel(file).catch((error) => show(`Could not use “${file.name}”: ${error.message}`));
});
