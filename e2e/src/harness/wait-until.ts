import { sleep, TributaryError, toError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';

/** How {@link waitUntil} polls a readiness probe. */
export interface WaitUntilOptions {
  /** What is being waited for, used in the error message ("kafka to accept connections"). */
  readonly what: string;
  /** Overall deadline, measured from the call. */
  readonly timeoutMs: number;
  /** Upper bound of a single probe; each probe gets an AbortSignal that fires after it. Default 10 s. */
  readonly probeTimeoutMs?: number;
  /** First pause between probes; it doubles up to {@link maxIntervalMs}. Default 100 ms. */
  readonly initialIntervalMs?: number;
  /** Largest pause between probes. Default 1 s. */
  readonly maxIntervalMs?: number;
  /**
   * Checked before every probe: returns a reason to give up at once (the process exited), so a
   * crashed server fails in milliseconds instead of at the deadline.
   */
  readonly failFast?: () => string | undefined;
  /** Extra text appended to the timeout / fail-fast error (typically a log tail). */
  readonly diagnostics?: () => Promise<string> | string;
  /** Aborts the wait. */
  readonly signal?: AbortSignal;
}

/**
 * Polls `probe` until it resolves, then returns its value. A probe signals "not yet" by throwing;
 * the last error becomes the `cause` of the timeout error. This is the harness's only waiting
 * primitive: readiness is always a real protocol check polled to a deadline, never a fixed sleep.
 */
export async function waitUntil<T>(
  probe: (signal: AbortSignal) => Promise<T>,
  options: WaitUntilOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const probeTimeoutMs = options.probeTimeoutMs ?? 10_000;
  let interval = options.initialIntervalMs ?? 100;
  const maxInterval = options.maxIntervalMs ?? 1_000;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    const reason = options.failFast?.();
    if (reason !== undefined) {
      throw new TributaryError(
        E2eErrorCodes.SERVICE_START_FAILED,
        `Gave up waiting for ${options.what}: ${reason}${await diagnostics(options)}`,
        { cause: lastError, context: { what: options.what, attempts: attempt } },
      );
    }
    const remaining = deadline - Date.now();
    const probeSignal = AbortSignal.any([
      AbortSignal.timeout(Math.max(1, Math.min(probeTimeoutMs, remaining))),
      ...(options.signal === undefined ? [] : [options.signal]),
    ]);
    try {
      return await probe(probeSignal);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + interval >= deadline) break;
    await sleep(interval, options.signal);
    interval = Math.min(maxInterval, interval * 2);
  }
  throw new TributaryError(
    E2eErrorCodes.READINESS_TIMEOUT,
    `Timed out after ${options.timeoutMs} ms waiting for ${options.what}` +
      `${lastError === undefined ? '' : ` (last error: ${toError(lastError).message})`}${await diagnostics(options)}`,
    { cause: lastError, retriable: true, context: { what: options.what, timeoutMs: options.timeoutMs } },
  );
}

async function diagnostics(options: WaitUntilOptions): Promise<string> {
  if (options.diagnostics === undefined) return '';
  try {
    const text = await options.diagnostics();
    return text === '' ? '' : `\n${text}`;
  } catch {
    return '';
  }
}
