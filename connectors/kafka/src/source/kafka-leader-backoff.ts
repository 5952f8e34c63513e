import type { Logger } from '@tributary/core';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';

/** A leader's current run of failed fetches. */
interface FailureStreak {
  failures: number;
  /** When the first failure of the streak happened. */
  readonly since: number;
  /** No new fetch to this leader before this time. */
  until: number;
}

/** What to do after a failed fetch. */
export type FetchFailureVerdict =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly failures: number; readonly failingForMs: number };

/** A warning every this many failures of one streak (the others are logged at debug). */
const WARN_EVERY = 10;

/**
 * The fetch retry policy, per leader (the Java consumer's `retry.backoff.ms` /
 * `reconnect.backoff.max.ms` behaviour): a failing leader backs off exponentially from
 * `initialRetryTimeMs` to `maxRetryTimeMs` while the other leaders go on. Retriable failures are
 * retried until `fetchRetryTimeoutMs` has passed since the streak began — by default forever, like
 * the Java client: a broker restart or a long network partition must not fail the job. Every
 * failure is counted (`fetchErrors`); the first of a streak, every tenth and the recovery are
 * logged at warn / info, so a stuck source is visible without debug logging.
 */
export class KafkaLeaderBackoff {
  private readonly streaks = new Map<string, FailureStreak>();

  constructor(
    private readonly options: Pick<
      ResolvedKafkaSourceOptions,
      'initialRetryTimeMs' | 'maxRetryTimeMs' | 'fetchRetryTimeoutMs'
    >,
    private readonly logger: Logger,
    private readonly onFailure: () => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `leader` is waiting out its backoff. */
  isBackingOff(leader: string): boolean {
    return (this.streaks.get(leader)?.until ?? 0) > this.now();
  }

  /** When the first backing-off leader may be fetched again (Infinity when none backs off). */
  nextRetryAt(): number {
    return Math.min(...[...this.streaks.values()].map((s) => s.until));
  }

  /** A fetch from `leader` succeeded: its streak (if any) ends. */
  succeeded(leader: string): void {
    const streak = this.streaks.get(leader);
    if (streak === undefined) return;
    this.streaks.delete(leader);
    this.logger.info(
      { leader, failures: streak.failures, failingForMs: this.now() - streak.since },
      'Kafka fetches from this leader succeed again',
    );
  }

  /** Records a failed fetch from `leader` and decides whether to retry it. */
  failed(leader: string, error: unknown, retriable: boolean): FetchFailureVerdict {
    this.onFailure();
    const now = this.now();
    const streak = this.streaks.get(leader) ?? { failures: 0, since: now, until: now };
    streak.failures++;
    const failingForMs = now - streak.since;
    const deadline = this.options.fetchRetryTimeoutMs;
    if (!retriable || (deadline !== undefined && failingForMs >= deadline)) {
      this.streaks.delete(leader);
      return { retry: false, failures: streak.failures, failingForMs };
    }
    const delayMs = Math.min(
      this.options.maxRetryTimeMs,
      this.options.initialRetryTimeMs * 2 ** Math.min(streak.failures - 1, 30),
    );
    streak.until = now + delayMs;
    this.streaks.set(leader, streak);
    const fields = { err: error, leader, failures: streak.failures, failingForMs, backoffMs: delayMs };
    if (streak.failures === 1 || streak.failures % WARN_EVERY === 0) {
      this.logger.warn(
        fields,
        deadline === undefined
          ? 'Kafka fetch from one leader failed; retrying that leader with backoff (no deadline: fetchRetryTimeoutMs is unset)'
          : `Kafka fetch from one leader failed; retrying that leader with backoff until it has failed for fetchRetryTimeoutMs (${deadline} ms)`,
      );
    } else {
      this.logger.debug(fields, 'Kafka fetch from one leader failed again; retrying');
    }
    return { retry: true, delayMs };
  }
}
