import { hasErrorCode, isTributaryError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from './e2e-errors.js';
import { waitUntil } from './wait-until.js';

describe('waitUntil', () => {
  it('returns the first successful probe result after failures', async () => {
    let calls = 0;
    const value = await waitUntil(
      async () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { what: 'thing', timeoutMs: 5_000, initialIntervalMs: 1 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out with the last probe error as cause and the diagnostics in the message', async () => {
    const error = await waitUntil(
      async () => {
        throw new Error('connection refused');
      },
      { what: 'the server', timeoutMs: 50, initialIntervalMs: 5, diagnostics: () => 'log tail here' },
    ).catch((thrown: unknown) => thrown);
    expect(hasErrorCode(error, E2eErrorCodes.READINESS_TIMEOUT)).toBe(true);
    expect(isTributaryError(error) && error.retriable).toBe(true);
    expect((error as Error).message).toContain('the server');
    expect((error as Error).message).toContain('connection refused');
    expect((error as Error).message).toContain('log tail here');
    expect(((error as Error).cause as Error).message).toBe('connection refused');
  });

  it('gives up at once when failFast reports a reason', async () => {
    let probes = 0;
    const started = Date.now();
    const error = await waitUntil(
      async () => {
        probes++;
        throw new Error('not yet');
      },
      {
        what: 'kafka',
        timeoutMs: 60_000,
        initialIntervalMs: 1,
        failFast: () => (probes >= 2 ? 'process exited' : undefined),
      },
    ).catch((thrown: unknown) => thrown);
    expect(hasErrorCode(error, E2eErrorCodes.SERVICE_START_FAILED)).toBe(true);
    expect((error as Error).message).toContain('process exited');
    expect(probes).toBe(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('hands each probe an abort signal bounded by the probe timeout', async () => {
    const error = await waitUntil(
      (signal) =>
        new Promise<never>((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('probe aborted')), { once: true });
        }),
      { what: 'hanging probe', timeoutMs: 200, probeTimeoutMs: 20, initialIntervalMs: 5 },
    ).catch((thrown: unknown) => thrown);
    expect(hasErrorCode(error, E2eErrorCodes.READINESS_TIMEOUT)).toBe(true);
    expect(((error as Error).cause as Error).message).toBe('probe aborted');
  });
});
