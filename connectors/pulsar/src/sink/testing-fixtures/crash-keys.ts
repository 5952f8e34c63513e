/** Test-only: the keys of the crash job's input, shared by the test's input writer and its oracle. */

/** Contiguous index ranges of the input, two keys each. */
export const CRASH_SPLITS = 4;

/**
 * The key of input record `index` of `count`: two interleaved keys per index range. Pulsar routes
 * a key to one partition, written in index order, so each key is read in index order and its
 * output order must be index order.
 */
export function crashKeyOf(index: number, count: number): string {
  return `k${Math.floor((index * CRASH_SPLITS) / count) * 2 + (index % 2)}`;
}
