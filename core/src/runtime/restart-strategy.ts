import { backoffDelayMs } from '../retry/retry.js';
import type { RestartStrategyOptions } from './job-options.js';

/** Decides, after a failed attempt, whether and when the job restarts. */
export interface RestartStrategy {
  /** Delay before the next attempt, or undefined to give up. */
  nextDelayMs(failure: unknown, attemptStartedAt: number, now: number): number | undefined;
}

export function createRestartStrategy(options: RestartStrategyOptions): RestartStrategy {
  switch (options.type) {
    case 'none':
      return { nextDelayMs: () => undefined };
    case 'fixed-delay': {
      let restarts = 0;
      return {
        nextDelayMs: () => (restarts++ < options.attempts ? options.delayMs : undefined),
      };
    }
    case 'exponential-backoff': {
      let restarts = 0;
      return {
        nextDelayMs: (_failure, attemptStartedAt, now) => {
          // A long healthy run means the last failure is not part of a crash loop.
          if (now - attemptStartedAt >= options.resetAfterMs) restarts = 0;
          if (restarts >= options.maxAttempts) return undefined;
          restarts++;
          return backoffDelayMs(restarts, {
            initialDelayMs: options.initialDelayMs,
            maxDelayMs: options.maxDelayMs,
            multiplier: options.multiplier,
            jitter: 0.2,
          });
        },
      };
    }
  }
}
