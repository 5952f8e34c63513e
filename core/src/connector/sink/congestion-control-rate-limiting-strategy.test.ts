import { describe, expect, it } from 'vitest';
import { AIMDScalingStrategy } from './aimd-scaling-strategy.js';
import { CongestionControlRateLimitingStrategy } from './congestion-control-rate-limiting-strategy.js';

function strategy(maxInFlightRequests = 2, initial = 10) {
  return new CongestionControlRateLimitingStrategy({
    maxInFlightRequests,
    initialMaxInFlightMessages: initial,
    scalingStrategy: new AIMDScalingStrategy({ increaseRate: 5, decreaseFactor: 0.5, rateThreshold: 20 }),
  });
}

describe('CongestionControlRateLimitingStrategy', () => {
  it('blocks at the request limit', () => {
    const s = strategy(2, 100);
    s.registerInFlightRequest({ batchSize: 1 });
    expect(s.shouldBlock({ batchSize: 1 })).toBe(false);
    s.registerInFlightRequest({ batchSize: 1 });
    expect(s.shouldBlock({ batchSize: 1 })).toBe(true);
    s.registerCompletedRequest({ batchSize: 1, failedMessages: 0 });
    expect(s.shouldBlock({ batchSize: 1 })).toBe(false);
  });

  it('blocks when the entries in flight would exceed the window', () => {
    const s = strategy(5, 10);
    s.registerInFlightRequest({ batchSize: 6 });
    expect(s.shouldBlock({ batchSize: 4 })).toBe(false);
    expect(s.shouldBlock({ batchSize: 5 })).toBe(true);
  });

  it('shrinks the window (and the max batch) after failures and grows it after successes', () => {
    const s = strategy(1, 16);
    const complete = (failed: number) => {
      s.registerInFlightRequest({ batchSize: s.getMaxBatchSize() });
      s.registerCompletedRequest({ batchSize: s.getMaxBatchSize(), failedMessages: failed });
      return s.getMaxBatchSize();
    };
    expect([complete(1), complete(1), complete(3), complete(0), complete(0), complete(0)]).toEqual([
      8, 4, 2, 7, 12, 17,
    ]);
    expect([complete(0), complete(0)]).toEqual([20, 20]);
  });

  it('rejects a non-positive limit', () => {
    expect(() => strategy(0)).toThrow(/maxInFlightRequests must be a positive integer/);
  });
});
