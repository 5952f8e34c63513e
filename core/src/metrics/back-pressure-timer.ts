/**
 * Time a subtask spent blocked in its sink's `write()` (Flink's `accumulatedBackPressuredTimeMs`
 * and `backPressuredTimeMsPerSecond`, FLIP-33's task I/O metrics). The runtime brackets the
 * asynchronous part of each write: the synchronous work of `write()` is busy time, not blocked
 * time, so only the wait after `write()` returned a promise counts. A block still in progress
 * counts up to the moment of reading, so a sink stuck for a minute shows as blocked during that
 * minute rather than once it returns.
 */
export class BackPressureTimer {
  private accumulatedMs = 0;
  private blockedSince: number | undefined;
  private window: { readonly at: number; readonly totalMs: number } | undefined;
  private previous: { readonly at: number; readonly totalMs: number } | undefined;

  /** The subtask starts waiting for a write (ms since the epoch). */
  begin(nowMs: number): void {
    this.blockedSince = nowMs;
  }

  /** The write it waited for settled. */
  end(nowMs: number): void {
    if (this.blockedSince === undefined) return;
    this.accumulatedMs += Math.max(0, nowMs - this.blockedSince);
    this.blockedSince = undefined;
  }

  /** Milliseconds blocked since the subtask started, the current block included. */
  totalMs(nowMs: number): number {
    const current = this.blockedSince === undefined ? 0 : Math.max(0, nowMs - this.blockedSince);
    return this.accumulatedMs + current;
  }

  /**
   * Milliseconds blocked per second (0–1000) over the last complete window of at least a second.
   * Windows roll by time when read, so the value is the same for every reader until the next roll.
   * Undefined until a window has completed since the first read.
   */
  msPerSecond(nowMs: number): number | undefined {
    if (this.window === undefined) {
      this.window = { at: nowMs, totalMs: this.totalMs(nowMs) };
      return undefined;
    }
    if (nowMs - this.window.at >= 1000) {
      this.previous = this.window;
      this.window = { at: nowMs, totalMs: this.totalMs(nowMs) };
    }
    const from = this.previous;
    if (from === undefined) return undefined;
    return Math.min(1000, ((this.window.totalMs - from.totalMs) * 1000) / (this.window.at - from.at));
  }
}
