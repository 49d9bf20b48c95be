// time-left.js - how long a piece of work still needs, from its own measured speed. The worker's
// start-up (loading the engine, starting its threads) takes time that no unit of work does, a
// step's phases cost differently per unit (the old network's outputs are a forward pass, a
// training update a forward and a backward one), and the first seconds of a step run slower
// (the browser compiles the engine's hot code a second time, optimised): an estimate from the
// elapsed time since the start ("elapsed / fraction") said minutes for a step of half a minute.
// So the speed is measured only over the units of the work that dominates it (the caller says
// which progress counts) and only over the time spent on them: a pause for other work in the
// middle (a step publishing its learner: herding and class means, a second or more) is not
// training's time. It is taken over the more recent half of the time measured so far, and the
// first estimate waits for MIN_SECONDS of it.

const MIN_SECONDS = 2; // measure at least this long ...
const MIN_SHARE = 0.01; // ... over at least this share of the work

/** The index of the last of `samples` (ordered by elapsed) whose elapsed is at most `time`; the
 * first one's (0) is. */
function latestAtOrBefore(samples, time) {
  let low = 0;
  let high = samples.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (samples[middle].elapsed <= time) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** A function that takes each progress as {done, total, elapsed, measure} (work units done and in
 * all, seconds since any clock's zero, and whether this progress is of the work whose speed
 * counts) and returns the seconds left, or null while the speed is not known yet. Once progress
 * no longer counts (the short tail of a step) the last measured speed carries on. */
export function timeLeftEstimator() {
  const samples = []; // {done, elapsed} of the progress that counts, oldest first; elapsed here is
  // measured time: seconds between two counted progresses in a row
  let measured = 0;
  let previous = null; // the last progress seen: {elapsed, measure}
  let secondsPerUnit = null;
  return ({ done, total, elapsed, measure = true }) => {
    if (measure && previous?.measure) measured += elapsed - previous.elapsed;
    previous = { elapsed, measure };
    if (measure) {
      samples.push({ done, elapsed: measured });
      const span = measured - samples[0].elapsed;
      if (span >= MIN_SECONDS) {
        const from = samples[latestAtOrBefore(samples, measured - span / 2)]; // the recent half
        const units = done - from.done;
        if (units > 0 && done - samples[0].done >= MIN_SHARE * total) secondsPerUnit = (measured - from.elapsed) / units;
      }
    }
    return secondsPerUnit === null ? null : Math.max(0, (total - done) * secondsPerUnit);
  };
}
