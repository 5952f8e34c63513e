import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from './e2e-errors.js';
import { withFileLock } from './file-lock.js';

describe('withFileLock', () => {
  const lockPath = () => join(mkdtempSync(join(tmpdir(), 'trib-lock-')), 'service');

  it('runs critical sections one at a time', async () => {
    const path = lockPath();
    const events: string[] = [];
    let release!: () => void;
    const firstHolds = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = withFileLock(
      path,
      async () => {
        events.push('first:start');
        await firstHolds;
        events.push('first:end');
      },
      { timeoutMs: 10_000, what: 'test' },
    );
    // Let the first holder take the lock before the second asks for it.
    while (!events.includes('first:start')) await new Promise((resolve) => setImmediate(resolve));
    const second = withFileLock(
      path,
      async () => {
        events.push('second');
      },
      { timeoutMs: 10_000, what: 'test' },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual(['first:start']);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['first:start', 'first:end', 'second']);
  });

  it('fails with TRIB_E2E_LOCK_TIMEOUT when the lock stays held', async () => {
    const path = lockPath();
    let release!: () => void;
    const holder = withFileLock(path, () => new Promise<void>((resolve) => (release = resolve)), {
      timeoutMs: 10_000,
      what: 'holder',
    });
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    const error = await withFileLock(path, async () => 'never', {
      timeoutMs: 150,
      what: 'kafka service',
    }).catch((thrown: unknown) => thrown);
    expect(hasErrorCode(error, E2eErrorCodes.LOCK_TIMEOUT)).toBe(true);
    expect((error as Error).message).toContain('kafka service');
    release();
    await holder;
  });

  it('releases the lock when the section throws', async () => {
    const path = lockPath();
    await expect(
      withFileLock(
        path,
        async () => {
          throw new Error('boom');
        },
        { timeoutMs: 1_000, what: 'test' },
      ),
    ).rejects.toThrow('boom');
    await expect(withFileLock(path, async () => 'again', { timeoutMs: 1_000, what: 'test' })).resolves.toBe(
      'again',
    );
  });
});
