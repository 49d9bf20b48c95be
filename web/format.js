// format.js - durations, fractions and training progress in words a person would say, for the
// status lines and charts of both tabs.

const plural = (count, unit) => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** A duration that has passed: "under a second", "42 seconds", "3 minutes 5 seconds". */
export function formatSeconds(seconds) {
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return plural(Math.round(seconds), 'second');
  const whole = Math.round(seconds);
  const rest = whole % 60;
  return `${plural(Math.floor(whole / 60), 'minute')}${rest ? ` ${plural(rest, 'second')}` : ''}`;
}

/** The time a piece of work still needs, as a person would say it: "a few seconds left",
 * "about 30 seconds left", "less than a minute left", "about 4 minutes left". Rounded coarsely on
 * purpose: an estimate that claims more precision than it has reads as a promise. */
export function formatTimeLeft(seconds) {
  if (seconds < 8) return 'a few seconds left';
  if (seconds < 25) return `about ${Math.round(seconds / 5) * 5} seconds left`;
  if (seconds < 50) return `about ${Math.round(seconds / 10) * 10} seconds left`;
  if (seconds < 60) return 'less than a minute left';
  if (seconds < 90) return 'about a minute left';
  if (seconds < 55 * 60) return `about ${Math.round(seconds / 60)} minutes left`;
  const hours = Math.round(seconds / 3600);
  return hours === 1 ? 'about an hour left' : `about ${hours} hours left`;
}

/** 0.8734 -> "87.3%". */
export const percent = (fraction) => `${(100 * fraction).toFixed(1)}%`;

/** A training worker's progress in words, "Training, epoch 2 of 6 · 40% · about 10 seconds left":
 * `phase` is the phase already worded, the epoch is named while training (when the progress has
 * epochs), and `secondsLeft` (null: no estimate yet) ends it. */
export function progressText(phase, progress, secondsLeft, { showEpoch = true } = {}) {
  const epoch = showEpoch && progress.phase === 'training' && progress.epochs ? `, epoch ${progress.epoch} of ${progress.epochs}` : '';
  return `${phase}${epoch} · ${Math.round(progress.fraction * 100)}%${secondsLeft === null ? '' : ` · ${formatTimeLeft(secondsLeft)}`}`;
}
