// thumbnails.js - the small pictures on a class card: one from each recorded frame or image file,
// and, for a class that comes from a checkpoint (an imported model), its exemplar images, which
// the checkpoint carries at model size.
import { canvasContext } from './dom.js';

export const THUMB_SIDE = 48;
export const THUMBS_KEPT = 24;
const thumbContext = canvasContext(THUMB_SIDE);

/** A JPEG data URL of `source` (a canvas, an image, an ImageBitmap) scaled to THUMB_SIDE. */
export function thumbnailOf(source) {
  thumbContext.drawImage(source, 0, 0, THUMB_SIDE, THUMB_SIDE);
  return thumbContext.canvas.toDataURL('image/jpeg', 0.7);
}

/** Thumbnails of the first THUMBS_KEPT exemplars `learner` keeps for class `name` (herding's
 * first picks first); none for a class without exemplars. */
export function exemplarThumbnails(learner, name) {
  const side = learner.config.inputSize; // exemplars are square, at model size
  const context = canvasContext(side);
  return learner.exemplarImages(name, THUMBS_KEPT).map(({ channels, data }) => {
    const rgba = new ImageData(side, side);
    for (let i = 0; i < side * side; i++) {
      for (let c = 0; c < 3; c++) rgba.data[4 * i + c] = data[i * channels + (channels === 3 ? c : 0)];
      rgba.data[4 * i + 3] = 255;
    }
    context.putImageData(rgba, 0, 0);
    return thumbnailOf(context.canvas);
  });
}
