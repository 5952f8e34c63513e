import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallDeadlines, type TimedCall } from './call-deadlines.js';

function call(log: string[], name: string, onExpire?: () => void): TimedCall {
  return {
    deadline: 0,
    index: -1,
    expire() {
      log.push(name);
      onExpire?.();
    },
  };
}

describe('CallDeadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each unsettled call at its own deadline with one timer', () => {
    const log: string[] = [];
    const deadlines = new CallDeadlines(100);
    const a = call(log, 'a');
    const b = call(log, 'b');
    const c = call(log, 'c');
    deadlines.start(a);
    vi.advanceTimersByTime(30);
    deadlines.start(b);
    vi.advanceTimersByTime(30);
    deadlines.start(c);
    expect(vi.getTimerCount()).toBe(1);
    deadlines.settle(b);
    vi.advanceTimersByTime(39);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1); // t=100: a's deadline
    expect(log).toEqual(['a']);
    vi.advanceTimersByTime(59); // t=159: c's deadline is 160, b settled
    expect(log).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['a', 'c']);
    expect(deadlines.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with every call settled the timer fires once, expires nothing and stops; settling twice is harmless', () => {
    const log: string[] = [];
    const deadlines = new CallDeadlines(50);
    const a = call(log, 'a');
    const b = call(log, 'b');
    deadlines.start(a);
    deadlines.start(b);
    deadlines.settle(a);
    deadlines.settle(a);
    expect(deadlines.size).toBe(1);
    deadlines.settle(b);
    // Left armed: a stage whose calls all settle each batch does not clear and re-arm it per batch.
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(log).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a call started at a given time gets its deadline from that time', () => {
    const log: string[] = [];
    const deadlines = new CallDeadlines(50);
    deadlines.start(call(log, 'a'), Date.now() - 30);
    vi.advanceTimersByTime(19);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['a']);
  });

  it('a call started while expiring (a retry) gets its own full limit', () => {
    const log: string[] = [];
    const deadlines = new CallDeadlines(100);
    const retry = call(log, 'retry');
    deadlines.start(call(log, 'first', () => deadlines.start(retry)));
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['first']);
    vi.advanceTimersByTime(99);
    expect(log).toEqual(['first']);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['first', 'retry']);
  });

  it('stop() cancels the timer and running() lists the calls left', () => {
    const log: string[] = [];
    const deadlines = new CallDeadlines(10);
    const a = call(log, 'a');
    deadlines.start(a);
    deadlines.stop();
    expect(deadlines.running()).toEqual([a]);
    vi.advanceTimersByTime(50);
    expect(log).toEqual([]);
  });
});
