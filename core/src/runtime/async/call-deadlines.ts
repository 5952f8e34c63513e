/** One deadline as the sweep sees it (the stage's entries are groups of attempts started together). */
export interface TimedCall {
  /** When the attempt times out (ms, `Date.now()` clock). */
  deadline: number;
  /** Position in the live list while running; -1 once settled or expired. */
  index: number;
  /** Called once when the attempt passed its deadline unsettled. */
  expire(): void;
}

/**
 * Time limits of an async stage's calls with one timer for all of them, instead of a
 * `setTimeout`/`clearTimeout` pair per call (a timer-list insert and removal per record). The
 * stage enters one entry per group of calls started together (see `TimedGroup`), not per call. Every
 * call has the same limit, so the next deadline to check is the oldest running call's: one timer
 * is armed for it; when it fires, the running calls (at most the stage's capacity) are swept,
 * those past their deadline expire and the timer is re-armed for the earliest remaining one.
 * Settling the last running call leaves the timer armed (it fires once, finds nothing and stops):
 * a fast service empties the list every batch, and a clear and re-arm per batch cost more than
 * the one idle sweep.
 */
export class CallDeadlines {
  private readonly live: TimedCall[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls running with a deadline. */
  get size(): number {
    return this.live.length;
  }

  /** The clock this instance reads (callers starting many calls at once read it once). */
  clock(): number {
    return this.now();
  }

  /** Starts the clock of a call: its deadline is `now` (default: the clock) + the limit. */
  start(call: TimedCall, now: number = this.now()): void {
    call.deadline = now + this.timeoutMs;
    call.index = this.live.length;
    this.live.push(call);
    // A timer armed for an earlier call fires no later than this call's deadline.
    if (this.timer === undefined) this.arm(call.deadline);
  }

  /** The call settled before its deadline: forget it (O(1), swap with the last). */
  settle(call: TimedCall): void {
    const i = call.index;
    if (i < 0) return;
    call.index = -1;
    const last = this.live.pop() as TimedCall;
    if (last !== call) {
      this.live[i] = last;
      last.index = i;
    }
  }

  /** The calls running with a deadline (a snapshot: safe to settle them while iterating). */
  running(): TimedCall[] {
    return [...this.live];
  }

  /** Stops the timer (stage closing); running calls are left to the caller. */
  stop(): void {
    this.disarm();
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.sweep, Math.max(0, deadline - this.now()));
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = this.now();
    const expired = this.live.filter((call) => call.deadline <= now);
    for (const call of expired) {
      this.settle(call);
      call.expire();
    }
    // expire() may have started calls (and armed for them): arm for the earliest of all.
    this.disarm();
    let next = Number.POSITIVE_INFINITY;
    for (const call of this.live) if (call.deadline < next) next = call.deadline;
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  };
}
