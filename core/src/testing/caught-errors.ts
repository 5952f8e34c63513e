import type { TributaryError } from '../errors/tributary-error.js';

/** The error `run` throws, for asserting on its code and context; fails the test when it returns. */
export function thrownBy(run: () => unknown): TributaryError {
  try {
    run();
  } catch (error) {
    return error as TributaryError;
  }
  throw new Error('expected a throw');
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<TributaryError> {
  try {
    await promise;
  } catch (error) {
    return error as TributaryError;
  }
  throw new Error('expected a rejection');
}
