import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep, TributaryError } from '@tributary/core';
import { lock } from 'proper-lockfile';
import { E2eErrorCodes } from './e2e-errors.js';

/** How long {@link withFileLock} waits for the lock and how staleness is judged. */
export interface FileLockOptions {
  /** Give up waiting after this long. Cold starts of a JVM service hold the lock for minutes. */
  readonly timeoutMs: number;
  /** Named in the timeout error ("kafka service"). */
  readonly what: string;
}

/**
 * Runs `fn` while holding an exclusive, cross-process lock on `path` (a `<path>.lock` directory,
 * created atomically with `mkdir`). Several vitest workers and `pnpm services` may ask for the
 * same service at once; the lock makes "check the state file, start if needed, record" atomic.
 *
 * The holder refreshes the lock's mtime every 5 s; a lock not refreshed for 30 s belongs to a
 * crashed process and is taken over, so a killed test run never blocks the next one.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  let interval = 50;
  while (release === undefined) {
    try {
      release = await lock(path, {
        realpath: false,
        stale: 30_000,
        update: 5_000,
        // The default throws from a timer (an uncaught exception); keep it and report it instead.
        onCompromised: (error) => {
          compromised = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        throw new TributaryError(
          E2eErrorCodes.LOCK_TIMEOUT,
          `Waited ${options.timeoutMs} ms for the ${options.what} lock (${path}.lock); another process holds it`,
          { retriable: true, cause: error, context: { lock: `${path}.lock` } },
        );
      }
      await sleep(interval);
      interval = Math.min(1_000, interval * 2);
    }
  }
  try {
    const result = await fn();
    if (compromised !== undefined) {
      throw new TributaryError(E2eErrorCodes.LOCK_TIMEOUT, `The ${options.what} lock was lost while held`, {
        cause: compromised,
        context: { lock: `${path}.lock` },
      });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
