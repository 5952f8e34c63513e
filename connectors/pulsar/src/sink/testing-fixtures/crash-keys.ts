/** Test-only: the input layout of the crash job, shared by the job and its test's oracle. */

/** Splits of the crash job's generator: contiguous index ranges, one reader at a time each. */
export const CRASH_SPLITS = 4;

/**
 * The key of input record `index` of `count`: two interleaved keys per split, so each key is read
 * by one reader in index order (its output order must be index order) and keys alternate.
 */
export function crashKeyOf(index: number, count: number): string {
  return `k${Math.floor((index * CRASH_SPLITS) / count) * 2 + (index % 2)}`;
}
