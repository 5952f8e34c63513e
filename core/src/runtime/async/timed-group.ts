import type { AsyncCallContext } from './async-io-options.js';
import type { CallDeadlines, TimedCall } from './call-deadlines.js';
import { abortLazy, type LazyAbort, lazySignal } from './lazy-abort.js';

/** What the attempts of one stage share: its signal, its deadlines and its timeout error. */
export interface AttemptOwner {
  /** Aborted when the stage closes. */
  readonly signal: AbortSignal;
  readonly deadlines: CallDeadlines;
  /** The (retriable) error of one attempt that passed its limit; also counts it. */
  timedOut(attempt: number): unknown;
}

/** One call of a {@link TimedGroup}: gets its outcome once, the function's or the timeout. */
export interface GroupMember<R> {
  /** The group the member's current call runs in (a pooled member moves on to later groups). */
  group: TimedGroup<R> | undefined;
  /** Running: neither settled nor timed out. */
  open: boolean;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Attempts with the same number started at the same clock reading (the calls the stage issues in
 * one synchronous step): they share one deadline, so they share one entry in {@link CallDeadlines},
 * one context and one signal, instead of one of each per call (for a fast service those cost
 * more than the call). Each call is still bounded by the limit from its own start, settles and
 * times out on its own, and counts as one timeout; a retry starts a new attempt at its own time.
 *
 * The signal is made on first use (most functions never read it); it aborts when the group's
 * deadline passes with any of its calls still running (with the first timeout error as reason) or
 * the stage closes. One read after that is already aborted.
 */
export class TimedGroup<R> implements AsyncCallContext, TimedCall, LazyAbort {
  deadline = 0;
  index = -1;
  private readonly members: GroupMember<R>[] = [];
  private running = 0;
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  aborted = false;

  constructor(
    readonly attempt: number,
    readonly subtaskId: number,
    private readonly owner: AttemptOwner,
  ) {}

  get signal(): AbortSignal {
    return lazySignal(this, this.owner.signal);
  }

  /** Whether an attempt `attempt` starting now (deadline `deadline`) can join: same limit, still timed. */
  accepts(attempt: number, deadline: number): boolean {
    return this.index >= 0 && this.attempt === attempt && this.deadline === deadline;
  }

  add(member: GroupMember<R>): void {
    member.group = this;
    member.open = true;
    this.members.push(member);
    this.running++;
  }

  /** Aborts the group's signal (now, or when it is first read). */
  abort(reason: unknown): void {
    abortLazy(this, reason);
  }

  /** Past the deadline: every call still running fails with its own retriable timeout error. */
  expire(): void {
    const members = this.members.splice(0);
    this.running = 0;
    for (const member of members) {
      if (member.group !== this || !member.open) continue;
      member.open = false;
      const error = this.owner.timedOut(this.attempt);
      this.abort(error);
      member.reject(error);
    }
  }

  /** Settles a call with the function's result, unless it timed out already. */
  onValue(member: GroupMember<R>, value: R): void {
    if (this.finish(member)) member.resolve(value);
  }

  /** Settles a call with the function's error, unless it timed out already. */
  onError(member: GroupMember<R>, error: unknown): void {
    if (this.finish(member)) member.reject(error);
  }

  private finish(member: GroupMember<R>): boolean {
    if (member.group !== this || !member.open) return false;
    member.open = false;
    if (--this.running === 0) {
      // Every call settled in time: the deadline is no longer needed.
      this.owner.deadlines.settle(this);
      this.members.length = 0;
    }
    return true;
  }
}
