import { isRetriable } from '../../errors/tributary-error.js';

/** What to do about an error thrown by a whole request. */
export type ErrorClassification = 'retry' | 'fatal';

/**
 * Decides whether an error thrown by `submitRequestEntries` is worth retrying (its entries go
 * back to the head of the buffer, with backoff) or fatal (the writer fails and the job restarts
 * from its last checkpoint). Flink's `FatalExceptionClassifier`, as a function.
 */
export type FatalExceptionClassifier = (error: unknown) => ErrorClassification;

/**
 * The default: retry what core's {@link isRetriable} calls retriable (a `TributaryError` with
 * `retriable: true`, or a transient socket error such as `ECONNRESET`); anything else is fatal,
 * because retrying a bug or a permission error forever would hide it.
 */
export const defaultFatalExceptionClassifier: FatalExceptionClassifier = (error) =>
  isRetriable(error) ? 'retry' : 'fatal';

/**
 * Builds a classifier from rules tried in order; the first rule returning a classification wins,
 * `fallback` decides the rest. Lets a connector name its fatal cases (missing stream, bad
 * credentials) and keep the default for everything else.
 */
export function fatalExceptionClassifierChain(
  rules: readonly ((error: unknown) => ErrorClassification | undefined)[],
  fallback: FatalExceptionClassifier = defaultFatalExceptionClassifier,
): FatalExceptionClassifier {
  return (error) => {
    for (const rule of rules) {
      const decision = rule(error);
      if (decision !== undefined) return decision;
    }
    return fallback(error);
  };
}
