// time-left.js - how long a piece of work still needs, from its own measured speed. The worker's
// start-up (loading the engine, starting its threads) takes time that no unit of work does, and
// a step's phases cost differently per unit (the old network's outputs are a forward pass, a
// training update a forward and a backward one): an estimate from the elapsed time since the
// start ("elapsed / fraction") said minutes for a step of half a minute. So the speed is measured
// only over the units of the work that dominates it (the caller says which progress counts),
// from the first such progress on, and the first estimate waits for enough of them.

const MIN_SECONDS = 1; // measure at least this long ...
const MIN_SHARE = 0.01; // ... over at least this share of the work

/** A function that takes each progress as {done, total, elapsed, measure} (work units done and in
 * all, seconds since any clock's zero, and whether this progress is of the work whose speed
 * counts) and returns the seconds left, or null while the speed is not known yet. Once progress
 * no longer counts (the short tail of a step) the last measured speed carries on. */
export function timeLeftEstimator() {
  let base = null; // {done, elapsed} at the first progress that counts
  let secondsPerUnit = null;
  return ({ done, total, elapsed, measure = true }) => {
    if (measure) {
      if (!base) base = { done, elapsed };
      const seconds = elapsed - base.elapsed;
      const units = done - base.done;
      if (seconds >= MIN_SECONDS && units >= MIN_SHARE * total && units > 0) secondsPerUnit = seconds / units;
    }
    return secondsPerUnit === null ? null : Math.max(0, (total - done) * secondsPerUnit);
  };
}
