// format.js - durations, fractions and training progress in words, for the status lines and
// charts of both tabs.

/** "under a second", "42 s", "3 min 5 s". */
export function formatSeconds(seconds) {
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** 0.8734 -> "87.3%". */
export const percent = (fraction) => `${(100 * fraction).toFixed(1)}%`;

/** A training worker's progress in words, "Training epoch 2/6 · 40% · about 12 s left": `phase`
 * is the phase already worded, the epoch is named while training, and `secondsLeft` (null: no
 * estimate yet) ends it. */
export function progressText(phase, progress, secondsLeft) {
  const epoch = progress.phase === 'training' ? ` epoch ${progress.epoch}/${progress.epochs}` : '';
  return `${phase}${epoch} · ${Math.round(progress.fraction * 100)}%${secondsLeft === null ? '' : ` · about ${formatSeconds(secondsLeft)} left`}`;
}
