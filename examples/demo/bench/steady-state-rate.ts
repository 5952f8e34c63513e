/** One look at a counter: when (ms, any one clock) and how many records it had counted by then. */
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
   * The widest gap between two updates of one counter that either end of the window falls in:
   * each counter's progress is interpolated inside such a gap, so this bounds the timing error.
   */
  readonly resolutionMs: number;
}

/**
 * Records/s between the moments `fromFraction` and `toFraction` of `total` records had passed,
 * over several counters (one per subtask) that together count the job's records. Skipping the
 * first records leaves out JIT warm-up; stopping short of the end leaves out the drain and close.
 *
 * Each counter is timed on its own: only its first sample of each count is kept (a counter mirrored
 * from a worker thread changes on the main thread only when the worker sends its values, every
 * 250 ms, so the first read of a value is when it was current and later reads of it are stale), its
 * progress between those is interpolated linearly, and the job's progress is the sum. Summing first
 * would time a worker's update with the other worker's value up to 250 ms old. Returns `undefined`
 * when the samples do not bracket both moments (a run too short for the sampling interval).
 */
export function steadyStateRate(
  series: readonly (readonly ProgressSample[])[],
  total: number,
  fromFraction: number,
  toFraction: number,
): SteadyStateRate | undefined {
  if (!(fromFraction >= 0 && fromFraction < toFraction && toFraction <= 1)) {
    throw new RangeError(`need 0 <= fromFraction < toFraction <= 1, got ${fromFraction} and ${toFraction}`);
  }
  const curves = series.map(firstOfEachCount).filter((c) => c.length > 0);
  const from = crossing(curves, total * fromFraction);
  const to = crossing(curves, total * toFraction);
  if (from === undefined || to === undefined || to <= from) return undefined;
  const windowMs = to - from;
  return {
    recordsPerSecond: (total * (toFraction - fromFraction) * 1000) / windowMs,
    windowMs,
    resolutionMs: Math.max(gapAround(curves, from), gapAround(curves, to)),
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

/** A counter's value at `atMs`: interpolated between its samples, held outside them. */
function valueAt(curve: readonly ProgressSample[], atMs: number): number {
  const after = curve.findIndex((s) => s.atMs >= atMs);
  if (after === 0) return (curve[0] as ProgressSample).records;
  if (after < 0) return (curve[curve.length - 1] as ProgressSample).records;
  const a = curve[after - 1] as ProgressSample;
  const b = curve[after] as ProgressSample;
  return a.records + ((atMs - a.atMs) / (b.atMs - a.atMs)) * (b.records - a.records);
}

/**
 * When the summed counters reached `target`. The sum is linear between the union of all samples'
 * times, so interpolating between the two of those around the crossing is exact for it.
 */
function crossing(curves: readonly ProgressSample[][], target: number): number | undefined {
  const times = [...new Set(curves.flatMap((c) => c.map((s) => s.atMs)))].sort((a, b) => a - b);
  const sumAt = (t: number) => curves.reduce((acc, c) => acc + valueAt(c, t), 0);
  let previous: { t: number; sum: number } | undefined;
  for (const t of times) {
    const sum = sumAt(t);
    if (sum >= target) {
      if (previous === undefined || sum === previous.sum) return undefined;
      return previous.t + ((target - previous.sum) / (sum - previous.sum)) * (t - previous.t);
    }
    previous = { t, sum };
  }
  return undefined;
}

/** The widest gap between two samples of one counter that `atMs` falls in. */
function gapAround(curves: readonly ProgressSample[][], atMs: number): number {
  let widest = 0;
  for (const curve of curves) {
    const after = curve.findIndex((s) => s.atMs >= atMs);
    if (after > 0) {
      widest = Math.max(
        widest,
        (curve[after] as ProgressSample).atMs - (curve[after - 1] as ProgressSample).atMs,
      );
    }
  }
  return widest;
}
