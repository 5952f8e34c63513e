import { Counter, MetricRegistry } from '@tributary/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { subscribeTicks, tickIntervalOf } from './registry-ticker.js';

describe('subscribeTicks', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks one registry at the shortest requested interval and stops with the last subscriber', () => {
    const registry = new MetricRegistry();
    const counter = registry.registerCounter('numRecordsIn', { subtask: '0' }, new Counter());
    const rate = () => registry.find('numRecordsIn')?.rate();

    const releaseSlow = subscribeTicks(registry, 1_000);
    expect(tickIntervalOf(registry)).toBe(1_000);
    counter.inc(100);
    vi.advanceTimersByTime(1_000);
    expect(rate()).toBe(100);

    const releaseFast = subscribeTicks(registry, 250);
    expect(tickIntervalOf(registry)).toBe(250);
    counter.inc(50);
    vi.advanceTimersByTime(250);
    expect(rate()).toBe(200);

    releaseFast();
    releaseFast();
    expect(tickIntervalOf(registry)).toBe(1_000);
    releaseSlow();
    expect(tickIntervalOf(registry)).toBeUndefined();
    counter.inc(1_000);
    vi.advanceTimersByTime(5_000);
    expect(rate()).toBe(200);
  });
});
