import { describe, expect, it } from 'vitest';
import { type ProgressSample, steadyStateRate } from '../bench/steady-state-rate.js';

/** Slow start (warm-up), then 1000 records/s, then a slow tail (drain). */
const run: ProgressSample[] = [
  { atMs: 0, records: 0 },
  { atMs: 1000, records: 100 },
  { atMs: 1100, records: 200 },
  { atMs: 1900, records: 1000 },
  { atMs: 3000, records: 1000 },
  { atMs: 4000, records: 1050 },
];

/**
 * Two workers at 1000 records/s each, whose counters reach the main thread every 250 ms (one at
 * 0, 250, 500 … ms, the other at 100, 350, 600 … ms), read there every 50 ms.
 */
function twoMirroredWorkers(): ProgressSample[][] {
  const a: ProgressSample[] = [];
  const b: ProgressSample[] = [];
  for (let t = 0; t <= 1000; t += 50) {
    a.push({ atMs: t, records: 250 * Math.floor(t / 250) });
    b.push({ atMs: t, records: t < 100 ? 0 : 100 + 250 * Math.floor((t - 100) / 250) });
  }
  return [a, b];
}

describe('steadyStateRate', () => {
  it('measures only the window between the two fractions, interpolating its ends', () => {
    // 20 % = 210 records at 1110 ms, 90 % = 945 records at 1845 ms.
    const rate = steadyStateRate([run], 1050, 0.2, 0.9);
    expect(rate?.windowMs).toBeCloseTo(735);
    expect(rate?.recordsPerSecond).toBeCloseTo(1000);
    expect(rate?.resolutionMs).toBe(800);
  });

  it('times a count from its first read, not from stale repeats of the previous count', () => {
    // A mirrored counter read every 50 ms shows 100 until the worker's next update at 1250 ms.
    const mirrored: ProgressSample[] = [
      { atMs: 1000, records: 100 },
      { atMs: 1050, records: 100 },
      { atMs: 1100, records: 100 },
      { atMs: 1150, records: 100 },
      { atMs: 1200, records: 100 },
      { atMs: 1250, records: 350 },
      { atMs: 1300, records: 350 },
      { atMs: 1500, records: 600 },
    ];
    // 150 records at 1050 ms, 550 at 1450 ms (the interpolation over 1000 → 1250 ms, not 1200 → 1250).
    const rate = steadyStateRate([mirrored], 1000, 0.15, 0.55);
    expect(rate?.windowMs).toBeCloseTo(400);
    expect(rate?.recordsPerSecond).toBeCloseTo(1000);
    expect(rate?.resolutionMs).toBe(250);
  });

  it("times each worker's counter on its own, so the other's stale value does not shift the ends", () => {
    // Together 2000 records/s: 300 records at 150 ms, 750 at 375 ms. Summing the two counters
    // before timing would put the ends at 220 and 440 ms (2045 records/s).
    const rate = steadyStateRate(twoMirroredWorkers(), 1500, 0.2, 0.5);
    expect(rate?.windowMs).toBeCloseTo(225);
    expect(rate?.recordsPerSecond).toBeCloseTo(2000);
    expect(rate?.resolutionMs).toBe(250);
  });

  it('is undefined when no sample comes before the window starts', () => {
    expect(steadyStateRate([[{ atMs: 0, records: 500 }, ...run.slice(3)]], 1050, 0.25, 0.95)).toBeUndefined();
  });

  it('rejects fractions out of order', () => {
    expect(() => steadyStateRate([run], 1050, 0.9, 0.5)).toThrow(RangeError);
  });
});
