import type { Logger } from '@tributary/core';

/**
 * The transactional id `index` of subtask `subtaskId`: `<prefix>-<subtask>-<index>`.
 *
 * Writers take indices from a small pool (`KafkaTransactionalIdPool`: the lowest id whose last
 * transaction has finished). States of earlier versions numbered one new index per checkpoint
 * from their recorded `nextTransactionIndex`; the same format lets their ids be cleaned up too.
 */
export function transactionalIdOf(prefix: string, subtaskId: number, index: number): string {
  return `${prefix}-${subtaskId}-${index}`;
}

/**
 * What a transactional id looks like to its coordinator: never used, with a transaction open
 * (to abort), or used with nothing open (committed, aborted, or merely initialized).
 */
export type TransactionalIdStatus = 'unused' | 'open' | 'closed';

/** How the aborter looks at and aborts transactional ids. */
export interface TransactionalIdProber {
  /**
   * The id's status. With DescribeTransactions (Kafka ≥ 3.0) this has no side effect, which makes
   * restores idempotent; the fallback (InitProducerId) initializes the id, aborting what was open.
   */
  inspect(transactionalId: string): Promise<TransactionalIdStatus>;
  /** Aborts the open transaction of the id (InitProducerId: bumps the epoch, fences its producer). */
  abort(transactionalId: string): Promise<void>;
}

/** Logs the lingering transactions a writer aborted (nothing when there were none). */
export function logAborted(logger: Logger, subtaskId: number, aborted: readonly string[]): void {
  if (aborted.length === 0) return;
  logger.info(
    { subtask: subtaskId, transactionalIds: aborted },
    'aborted lingering Kafka transactions of failed attempts',
  );
}

/** Inputs of {@link KafkaTransactionAborter.abortLingering}. */
export interface LingeringScope {
  /** The current prefix and any prefix found in restored writer states. */
  readonly prefixes: readonly string[];
  readonly subtaskId: number;
  readonly parallelism: number;
  /** Largest parallelism recorded in restored writer states (0 without state). */
  readonly restoredParallelism: number;
  /** First index the failed attempts could have used (see {@link transactionalIdOf}). */
  readonly startIndex: number;
  /**
   * Per `transactionalIdOf(prefix, subtask, 0)`-style key `<prefix>-<subtask>`: the first index that
   * subtask may have opened after the restored checkpoint, when its state recorded one (it can be
   * below `startIndex`, the maximum over all subtasks).
   */
  readonly recordedStarts?: ReadonlyMap<string, number>;
  /** Ids never to abort: pre-committed transactions of the restored checkpoint still waiting for their commit. */
  readonly keep?: (transactionalId: string) => boolean;
}

/**
 * Aborts the transactions that failed attempts left open by *walking* ids — the fallback of
 * `abortLingeringTransactions` for brokers without ListTransactions (Kafka < 3.0), and the cleanup
 * of ids that states of earlier versions recorded.
 *
 * Each writer `i` owns the ids of subtasks `i, i+p, i+2p, …` (p = current parallelism). For its
 * own subtask and for each subtask below the restored parallelism it walks indices from the
 * subtask's recorded start (then from `startIndex`) until an id its coordinator has never seen —
 * pooled ids are always used from 0 up without gaps, and earlier versions initialized their next
 * id only after the previous one — and aborts each open transaction on the way that `keep` does
 * not protect. Subtasks at or above both parallelisms are followed while their first id shows use:
 * a failed attempt may have run with more subtasks than any checkpoint recorded.
 *
 * Idempotent across repeated restores from the same checkpoint when the prober has no side effects
 * (DescribeTransactions): unused ids stay unused, so a crash loop walks the same ids every time.
 */
export class KafkaTransactionAborter {
  constructor(
    private readonly prober: TransactionalIdProber,
    private readonly logger: Logger,
  ) {}

  /** Returns the transactional ids whose open transactions were aborted. */
  async abortLingering(scope: LingeringScope): Promise<string[]> {
    const aborted: string[] = [];
    const bound = Math.max(scope.parallelism, scope.restoredParallelism);
    for (const prefix of scope.prefixes) {
      for (let subtask = scope.subtaskId; ; subtask += scope.parallelism) {
        const recorded = scope.recordedStarts?.get(`${prefix}-${subtask}`);
        const starts = recorded !== undefined && recorded < scope.startIndex ? [recorded] : [];
        starts.push(scope.startIndex);
        let walkedTo = -1;
        let usedAtStart = false;
        for (const start of starts) {
          if (start <= walkedTo) continue;
          const used = await this.walk(prefix, subtask, start, aborted, scope.keep);
          walkedTo = start + used;
          if (start === scope.startIndex) usedAtStart = used > 0;
        }
        if (!usedAtStart && subtask >= bound) break;
      }
    }
    logAborted(this.logger, scope.subtaskId, aborted);
    return aborted;
  }

  /** Walks ids from `start` until an unused one; returns how many were used. */
  private async walk(
    prefix: string,
    subtask: number,
    start: number,
    aborted: string[],
    keep: ((transactionalId: string) => boolean) | undefined,
  ): Promise<number> {
    for (let index = start; ; index++) {
      const id = transactionalIdOf(prefix, subtask, index);
      const status = await this.prober.inspect(id);
      if (status === 'unused') return index - start;
      if (status === 'open' && !keep?.(id)) {
        await this.prober.abort(id);
        aborted.push(id);
      }
    }
  }
}
