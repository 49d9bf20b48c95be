// webcam-elements.js - the Webcam tab's elements (index.html), looked up once and named by what
// they are for, and say(), which writes the tab's one-line notice.
import { $ } from './dom.js';

export const el = {
  app: $('#app'), preparing: $('#preparing'), notice: $('#notice'),
  preview: $('#preview'), video: $('#video'), viewGuide: $('#view-guide'), cameraMessage: $('#camera-message'), mirror: $('#mirror'),
  cameraChoice: $('#camera-choice'), cameraSelect: $('#camera-select'), predictedLabel: $('#predicted-label'),
  predictedDetail: $('#predicted-detail'), predictedConfidence: $('#predicted-confidence'), bars: $('#bars'),
  rate: $('#rate'), addClass: $('#add-class'), classesHint: $('#classes-hint'), classes: $('#classes'),
  train: $('#train'), cancel: $('#cancel'), trainStatus: $('#train-status'), trainDetail: $('#train-detail'),
  progress: $('#progress'), memorySummary: $('#memory-summary'), memoryCapacity: $('.memory-capacity'),
  memoryList: $('#memory-list'), exportButton: $('#export'), exportDialog: $('#export-dialog'),
  importButton: $('#import'), importFile: $('#import-file'), reset: $('#reset'), storage: $('#storage'),
  template: $('#class-template'),
};

/** Shows `text` in the notice line ('error' marks it as one); an empty text hides the line. */
export function say(text, kind = 'info') {
  el.notice.textContent = text;
  el.notice.dataset.kind = kind;
  el.notice.hidden = !text;
}
