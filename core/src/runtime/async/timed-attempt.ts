import type { AsyncCallContext } from './async-io-options.js';
import type { CallDeadlines, TimedCall } from './call-deadlines.js';

/** What the attempts of one stage share: its signal, its deadlines and its timeout error. */
export interface AttemptOwner {
  /** Aborted when the stage closes. */
  readonly signal: AbortSignal;
  readonly deadlines: CallDeadlines;
  /** The (retriable) error of an attempt that passed its limit; also counts it. */
  timedOut(attempt: number): unknown;
}

/**
 * One attempt of an async call with a time limit: the context the function gets, the entry
 * {@link CallDeadlines} sweeps, and the handlers for the function's promise. Whichever comes first,
 * the function settling or the deadline, settles the attempt (`resolve`/`reject`, once); a result
 * arriving after the timeout is dropped. No promise wraps the call: the handlers go straight onto
 * the function's promise, and the timeout rejects through the same path.
 *
 * Its signal is made on first use (most functions never read it, and an `AbortController` plus a
 * listener on the stage's signal per call were a large part of a call's cost); one read after the
 * attempt timed out or the stage closed is already aborted.
 */
export class TimedAttempt<R> implements AsyncCallContext, TimedCall {
  deadline = 0;
  index = -1;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;
  private done = false;

  constructor(
    readonly attempt: number,
    readonly subtaskId: number,
    private readonly owner: AttemptOwner,
    private readonly resolve: (value: R) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
      else if (this.owner.signal.aborted) this.controller.abort(this.owner.signal.reason);
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
    if (this.done) return;
    this.done = true;
    const error = this.owner.timedOut(this.attempt);
    this.abort(error);
    this.reject(error);
  }

  /** Settles the attempt with the function's result, unless it timed out already. */
  onValue(value: R): void {
    if (this.finish()) this.resolve(value);
  }

  /** Settles the attempt with the function's error, unless it timed out already. */
  onError(error: unknown): void {
    if (this.finish()) this.reject(error);
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.owner.deadlines.settle(this);
    return true;
  }
}
