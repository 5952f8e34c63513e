import type { AsyncCallContext } from './async-io-options.js';
import { AsyncWindow } from './async-windows.js';
import type { TimedCall } from './call-deadlines.js';
import { abortLazy, type LazyAbort, lazySignal } from './lazy-abort.js';

/** What the timed windows of one stage share: its signal, and what to do when one times out. */
export interface WindowTimer<T, R> {
  /** Aborted when the stage closes. */
  readonly signal: AbortSignal;
  /** The window's deadline passed with calls still running (each is one timeout). */
  expired(window: TimedWindow<T, R>): void;
}

/**
 * A window of calls with a time limit and no retry. Its calls start in one synchronous step, so
 * each call's own deadline is the window's: one entry in `CallDeadlines`, one context and one
 * signal for the window, settled (the deadline dropped) when its last call completes. The signal
 * is made on first read (most functions never read it) and aborts when the deadline passes with
 * any call still running, or when the stage closes; one first read after that is already aborted.
 */
export class TimedWindow<T, R> extends AsyncWindow<T, R> implements AsyncCallContext, TimedCall, LazyAbort {
  readonly attempt = 1;
  deadline = 0;
  index = -1;
  /** The deadline passed with calls running: later outcomes are ignored (the stage has failed). */
  expired = false;
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  aborted = false;

  constructor(
    inputs: readonly T[],
    timestamps: readonly number[],
    readonly subtaskId: number,
    private readonly timer: WindowTimer<T, R>,
  ) {
    super(inputs, timestamps);
  }

  get signal(): AbortSignal {
    return lazySignal(this, this.timer.signal);
  }

  /** Aborts the window's signal (now, or when it is first read). */
  abort(reason: unknown): void {
    abortLazy(this, reason);
  }

  expire(): void {
    this.expired = true;
    this.timer.expired(this);
  }
}
