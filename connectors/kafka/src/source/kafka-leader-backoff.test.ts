import { createJsonLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { KafkaLeaderBackoff } from './kafka-leader-backoff.js';

/** A backoff on a fake clock, with its log lines (level + message) and its failure count. */
function backoff(fetchRetryTimeoutMs?: number) {
  let now = 1_000_000;
  let failures = 0;
  const lines: { level: string; msg: string }[] = [];
  const policy = new KafkaLeaderBackoff(
    {
      initialRetryTimeMs: 100,
      maxRetryTimeMs: 1_000,
      ...(fetchRetryTimeoutMs === undefined ? {} : { fetchRetryTimeoutMs }),
    },
    createJsonLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }),
    () => failures++,
    () => now,
  );
  return {
    policy,
    lines,
    failures: () => failures,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const brokerDown = Object.assign(new Error('Connection refused'), { name: 'KafkaJSConnectionError' });

describe('KafkaLeaderBackoff', () => {
  it('retries a failing leader forever by default, backing off exponentially up to maxRetryTimeMs', () => {
    const b = backoff();
    const delays: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const verdict = b.policy.failed('1', brokerDown, true);
      expect(verdict.retry).toBe(true);
      if (verdict.retry) delays.push(verdict.delayMs);
      expect(b.policy.isBackingOff('1')).toBe(true);
      b.advance(verdict.retry ? verdict.delayMs : 0);
    }
    expect(delays.slice(0, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(b.failures()).toBe(1_000);
    // The streak is visible without debug logging: its first failure and every tenth are warnings.
    expect(b.lines.filter((l) => l.level === 'warn')).toHaveLength(1 + 100);
    expect(b.lines[0]?.msg).toMatch(/no deadline/);
  });

  it('fails once a leader has been failing for fetchRetryTimeoutMs', () => {
    const b = backoff(5_000);
    expect(b.policy.failed('1', brokerDown, true).retry).toBe(true);
    b.advance(4_999);
    expect(b.policy.failed('1', brokerDown, true).retry).toBe(true);
    b.advance(1);
    expect(b.policy.failed('1', brokerDown, true)).toEqual({
      retry: false,
      failures: 3,
      failingForMs: 5_000,
    });
  });

  it('fails at once on an error that is not retriable', () => {
    const b = backoff();
    expect(b.policy.failed('1', new Error('authorization failed'), false)).toEqual({
      retry: false,
      failures: 1,
      failingForMs: 0,
    });
    expect(b.failures()).toBe(1);
  });

  it('keeps leaders apart and starts a new streak after a success, logging the recovery', () => {
    const b = backoff(5_000);
    b.policy.failed('1', brokerDown, true);
    b.policy.failed('2', brokerDown, true);
    b.advance(4_000);
    b.policy.succeeded('1');
    expect(b.lines.at(-1)).toMatchObject({
      level: 'info',
      msg: 'Kafka fetches from this leader succeed again',
    });
    expect(b.policy.isBackingOff('1')).toBe(false);
    b.advance(1_000);
    // Leader 1's streak starts over; leader 2 has been failing for 5 s.
    expect(b.policy.failed('1', brokerDown, true).retry).toBe(true);
    expect(b.policy.failed('2', brokerDown, true).retry).toBe(false);
    expect(b.policy.nextRetryAt()).toBeGreaterThan(0);
  });
});
