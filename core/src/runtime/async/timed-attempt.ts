import type { AsyncCallContext } from './async-io-options.js';
import type { TimedCall } from './call-deadlines.js';

/**
 * One attempt of an async call with a time limit: the context the function gets and the entry
 * {@link CallDeadlines} sweeps. Its signal is made on first use (most functions never read it, and
 * an `AbortController` plus a listener on the stage's signal per call were a large part of a
 * call's cost); one read after the attempt timed out or the stage closed is already aborted.
 */
export class TimedAttempt<R> implements AsyncCallContext, TimedCall {
  deadline = 0;
  index = -1;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;

  constructor(
    readonly attempt: number,
    readonly subtaskId: number,
    private readonly stage: AbortSignal,
    readonly resolve: (value: R) => void,
    readonly reject: (error: unknown) => void,
    private readonly timeoutError: () => unknown,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
      else if (this.stage.aborted) this.controller.abort(this.stage.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the attempt's signal (now, or when it is first read). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** Past its deadline: abort the signal and fail the attempt with a retriable timeout error. */
  expire(): void {
    const error = this.timeoutError();
    this.abort(error);
    this.reject(error);
  }
}
