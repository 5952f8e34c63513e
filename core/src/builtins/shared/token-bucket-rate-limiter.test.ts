import { describe, expect, it } from 'vitest';
import { TokenBucketRateLimiter } from './token-bucket-rate-limiter.js';

describe('TokenBucketRateLimiter', () => {
  it('accrues permits at the rate, up to the capacity', () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter(1000, 50, () => now);
    expect(limiter.tryAcquire(10)).toBe(1); // one permit up front
    expect(limiter.tryAcquire(10)).toBe(0);
    now += 5;
    expect(limiter.tryAcquire(10)).toBe(5);
    now += 10_000; // a long stall: at most one bucket of catch-up
    expect(limiter.tryAcquire(1000)).toBe(50);
  });

  it('sleeps for a batch of permits (~10 ms worth) instead of one permit at a time', () => {
    let now = 0;
    const fast = new TokenBucketRateLimiter(1000, 100, () => now);
    fast.tryAcquire(1);
    expect(fast.delayUntilNextPermitMs()).toBe(1);
    expect(fast.waitMs()).toBe(10);
    const slow = new TokenBucketRateLimiter(5, 1, () => now);
    slow.tryAcquire(1);
    expect(slow.waitMs()).toBe(200); // one permit every 200 ms
    now += 200;
    expect(slow.waitMs()).toBe(0);
  });
});
