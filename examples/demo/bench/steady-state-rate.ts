/** One look at a job's progress: when (ms, any one clock) and how many records had passed by then. */
export interface ProgressSample {
  readonly atMs: number;
  readonly records: number;
}

/** The steady-state rate and how precisely its window could be timed. */
export interface SteadyStateRate {
  readonly recordsPerSecond: number;
  /** Length of the window, from `fromFraction` to `toFraction` of the records. */
  readonly windowMs: number;
  /**
   * The larger of the two gaps between counter updates that the window's ends fall in: each end
   * is interpolated inside such a gap, so this bounds how far off either end can be.
   */
  readonly resolutionMs: number;
}

/**
 * Records/s between the moments `fromFraction` and `toFraction` of `total` records had passed,
 * each moment interpolated linearly between the samples around it. Skipping the first records
 * leaves out JIT warm-up; stopping short of the end leaves out the drain and close.
 *
 * Only the first sample of each count is kept: a counter mirrored from a worker thread changes on
 * the main thread only when the worker sends its values (every 250 ms), so the first read of a
 * value is when it was current and later reads of it are stale. Returns `undefined` when the
 * samples do not bracket both moments (a run too short for the sampling interval).
 */
export function steadyStateRate(
  samples: readonly ProgressSample[],
  total: number,
  fromFraction: number,
  toFraction: number,
): SteadyStateRate | undefined {
  if (!(fromFraction >= 0 && fromFraction < toFraction && toFraction <= 1)) {
    throw new RangeError(`need 0 <= fromFraction < toFraction <= 1, got ${fromFraction} and ${toFraction}`);
  }
  const changes = firstOfEachCount(samples);
  const from = crossing(changes, total * fromFraction);
  const to = crossing(changes, total * toFraction);
  if (from === undefined || to === undefined || to.atMs <= from.atMs) return undefined;
  const windowMs = to.atMs - from.atMs;
  return {
    recordsPerSecond: (total * (toFraction - fromFraction) * 1000) / windowMs,
    windowMs,
    resolutionMs: Math.max(from.gapMs, to.gapMs),
  };
}

function firstOfEachCount(samples: readonly ProgressSample[]): ProgressSample[] {
  const kept: ProgressSample[] = [];
  for (const s of samples) {
    const last = kept[kept.length - 1];
    if (last === undefined || s.records > last.records) kept.push(s);
  }
  return kept;
}

/** When the count reached `target`, and the gap between the two samples around that moment. */
function crossing(
  changes: readonly ProgressSample[],
  target: number,
): { atMs: number; gapMs: number } | undefined {
  const after = changes.findIndex((s) => s.records >= target);
  if (after <= 0) return undefined;
  const a = changes[after - 1] as ProgressSample;
  const b = changes[after] as ProgressSample;
  const gapMs = b.atMs - a.atMs;
  return { atMs: a.atMs + ((target - a.records) / (b.records - a.records)) * gapMs, gapMs };
}
