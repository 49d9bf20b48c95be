// camera.js - the page's camera: start a stream (optionally a chosen device) into a <video>, list
// the cameras, grab centre-cropped square frames as ImageData, and turn getUserMedia's errors into
// sentences a person can act on. Nothing here leaves the machine.

/** Cameras the browser reports (labels appear only once access was granted). */
export async function listCameras() {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((device) => device.kind === 'videoinput');
}

/** A sentence for a getUserMedia failure. */
export function explainCameraError(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was denied. Allow the camera for this site in the browser\'s address bar or settings and reload — or add examples from image files below.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Connect one and reload — or add examples from image files below.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is busy or failed to start (is another application using it?). Close that application and reload — or add examples from image files below.';
    default:
      return `The camera cannot be used here (${error?.message ?? error}). You can add examples from image files below.`;
  }
}

/**
 * Starts the camera into `video`; stops the previous stream first. Resolves to the MediaStream.
 * Throws an Error whose message is a sentence for the person (see explainCameraError).
 */
export async function startCamera(video, deviceId) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error(window.isSecureContext
      ? 'This browser offers no camera access. You can add examples from image files below.'
      : 'The camera needs a secure page: open it through http://localhost or https. You can add examples from image files below.');
  }
  stopCamera(video);
  const constraints = {
    audio: false,
    video: deviceId
      ? { deviceId: { exact: deviceId }, width: { ideal: 640 }, height: { ideal: 480 } }
      : { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } },
  };
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    const wrapped = new Error(explainCameraError(error), { cause: error });
    wrapped.name = error?.name ?? 'Error';
    throw wrapped;
  }
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play().catch(() => {}); // autoplay of a muted stream is allowed; ignore a race
  return stream;
}

export function stopCamera(video) {
  const stream = video.srcObject;
  if (stream) for (const track of stream.getTracks()) track.stop();
  video.srcObject = null;
}

/** Draws the centre square of `source` (a video, an image or an ImageBitmap) into the canvas
 * context `context` (size x size) and returns its ImageData, or null when the source has no
 * picture yet. */
export function grabSquare(context, source, size) {
  const width = source.videoWidth ?? source.naturalWidth ?? source.width;
  const height = source.videoHeight ?? source.naturalHeight ?? source.height;
  if (!width || !height) return null;
  const side = Math.min(width, height);
  context.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, size, size);
  return context.getImageData(0, 0, size, size);
}
