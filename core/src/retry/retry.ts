import { CoreErrorCodes } from '../errors/error-codes.js';
import { isRetriable as defaultIsRetriable, TributaryError, toError } from '../errors/tributary-error.js';

/** Exponential backoff with full jitter, a cap, and a bounded number of attempts. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialDelayMs?: number;
  /** Upper bound of any single delay. */
  readonly maxDelayMs?: number;
  /** Growth factor per attempt. */
  readonly multiplier?: number;
  /** 0 = no jitter, 1 = full jitter (delay drawn from [0, d]). Default 0.5: d/2 + rand(d/2). */
  readonly jitter?: number;
}

export interface RetryOptions extends BackoffOptions {
  /** Total attempts including the first; `Infinity` retries until aborted. Default 5. */
  readonly maxAttempts?: number;
  /** Decides whether an error is worth another attempt. Default: {@link defaultIsRetriable}. */
  readonly isRetriable?: (error: unknown) => boolean;
  /** Aborts the waiting and the loop; the promise rejects with a `TRIB_ABORTED` error. */
  readonly signal?: AbortSignal;
  /** Called before each wait (log, count retries). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Describes the operation in the final error message. */
  readonly operation?: string;
}

/** The delay before retry number `attempt` (1-based). */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 30_000;
  const multiplier = options.multiplier ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * multiplier ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter) + Math.random() * base * jitter);
}

/** Resolves after `ms`, or rejects with `TRIB_ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal?: AbortSignal): TributaryError {
  return new TributaryError(CoreErrorCodes.ABORTED, 'Operation aborted', { cause: signal?.reason });
}

/**
 * Runs `fn` until it succeeds, the error is not retriable, the attempts are spent, or `signal`
 * aborts. The one retry loop of the project: connectors call this instead of writing their own.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  const isRetriable = options.isRetriable ?? defaultIsRetriable;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (attempt >= maxAttempts) {
        throw new TributaryError(
          CoreErrorCodes.RETRIES_EXHAUSTED,
          `${options.operation ?? 'Operation'} failed after ${attempt} attempts: ${toError(error).message}`,
          { cause: error, context: { attempts: attempt } },
        );
      }
      const delay = backoffDelayMs(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
