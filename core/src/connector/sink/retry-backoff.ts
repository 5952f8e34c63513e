import { type BackoffOptions, backoffDelayMs } from '../../retry/retry.js';

/**
 * The pause of an async sink writer after requests with failed entries: it grows with each
 * consecutive failing request (core's exponential backoff with jitter) and resets after a
 * request that fully succeeded. While it runs, nothing is sent — failed entries are at the head
 * of the buffer, so sending anything else first would break their order.
 * @internal
 */
export class RetryBackoff {
  private consecutiveFailures = 0;
  private until = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: BackoffOptions) {}

  /** A request had failed entries: pause longer than last time. */
  failed(): void {
    this.consecutiveFailures++;
    this.until = Date.now() + backoffDelayMs(this.consecutiveFailures, this.options);
  }

  /** A request fully succeeded: the next failure starts from the initial delay again. */
  succeeded(): void {
    this.consecutiveFailures = 0;
  }

  /**
   * True while pausing; then `onEnd` is called once when the pause is over (one timer at a
   * time, however often this is asked).
   */
  isPausing(onEnd: () => void): boolean {
    const remaining = this.until - Date.now();
    if (remaining <= 0) return false;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      onEnd();
    }, remaining);
    return true;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
