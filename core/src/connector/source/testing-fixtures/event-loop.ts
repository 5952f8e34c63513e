/**
 * Lets fetch loops run for `n` event-loop turns. Only used to show that something does NOT
 * happen (a fetch beyond the queue capacity, a promise that must stay pending); positive
 * conditions are polled with `vi.waitFor`.
 */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise settled, without awaiting it. */
export function track<T>(promise: Promise<T>): { settled: () => boolean; rejected: () => unknown } {
  let settled = false;
  let rejected: unknown;
  promise.then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      rejected = error;
    },
  );
  return { settled: () => settled, rejected: () => rejected };
}
