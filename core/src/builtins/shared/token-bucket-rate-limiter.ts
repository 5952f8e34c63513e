/**
 * A token bucket for one reader: permits accrue at `permitsPerSecond` up to `capacity`, so a
 * reader that was held up (backpressure, a checkpoint) catches up with at most one small burst
 * instead of flooding. The reader asks how long until the next permit and waits on a timer for
 * exactly that long, which is what keeps a rate-limited source from spinning.
 */
export class TokenBucketRateLimiter {
  private tokens: number;
  private lastRefill: number;

  constructor(
    readonly permitsPerSecond: number,
    readonly capacity: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    // One permit up front: the first record goes out at once rather than after 1/rate seconds.
    this.tokens = Math.min(1, capacity);
    this.lastRefill = clock();
  }

  /** Takes up to `max` whole permits that are available now and returns how many it took. */
  tryAcquire(max: number): number {
    this.refill();
    const n = Math.min(max, Math.floor(this.tokens));
    if (n > 0) this.tokens -= n;
    return n;
  }

  /** Milliseconds until at least one whole permit is available (0 when one is available now). */
  delayUntilNextPermitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return this.delayUntil(1);
  }

  /**
   * How long a reader out of permits should sleep: until about 10 ms worth of permits accrued
   * (at least one, at most the bucket), so a fast limited source wakes ~100 times a second
   * instead of once per record.
   */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    const batch = Math.max(1, Math.min(this.capacity, Math.floor(this.permitsPerSecond / 100)));
    return this.delayUntil(batch);
  }

  private delayUntil(permits: number): number {
    return Math.max(1, Math.ceil(((permits - this.tokens) * 1000) / this.permitsPerSecond));
  }

  private refill(): void {
    const now = this.clock();
    const elapsed = now - this.lastRefill;
    if (elapsed <= 0) return;
    this.lastRefill = now;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.permitsPerSecond) / 1000);
  }
}
