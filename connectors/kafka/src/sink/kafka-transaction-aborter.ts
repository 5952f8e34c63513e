import type { Logger } from '@tributary/core';

/**
 * The transactional id of subtask `subtaskId`'s `index`-th transaction.
 *
 * Why this naming: a writer restored from checkpoint `C` numbers its transactions `C+1, C+2, …`
 * (one per `prepareCommit`, so index ≤ the checkpoint that pre-commits it). Hence every
 * transaction that a complete checkpoint references has an index ≤ `C`, and everything a failed
 * attempt opened after `C` has an index > `C`: those are exactly the lingering ones.
 */
export function transactionalIdOf(prefix: string, subtaskId: number, index: number): string {
  return `${prefix}-${subtaskId}-${index}`;
}

/**
 * Initializes a transactional id (the protocol's InitProducerId) and returns the epoch the broker
 * assigned. The broker aborts an ongoing transaction of that id first, and fences its producer.
 * Epoch 0 means the id was never used before.
 */
export type TransactionalIdProbe = (transactionalId: string) => Promise<number>;

/** Inputs of {@link KafkaTransactionAborter.abortLingering}. */
export interface LingeringScope {
  /** The current prefix and any prefix found in restored writer states. */
  readonly prefixes: readonly string[];
  readonly subtaskId: number;
  readonly parallelism: number;
  /** Largest parallelism recorded in restored writer states (0 without state). */
  readonly restoredParallelism: number;
  /** First index the failed attempts could have used: restored checkpoint id + 1 (1 without one). */
  readonly startIndex: number;
}

/**
 * Aborts the transactions that failed attempts left open (Flink's `TransactionAborter`).
 *
 * Each writer `i` owns the ids of subtasks `i, i+p, i+2p, …` (p = current parallelism). For its
 * own subtask and for each subtask below the restored parallelism it walks indices
 * `startIndex, startIndex+1, …`, initializing each id (which aborts an open transaction) until an
 * id comes back with epoch 0 — never used, and no later one can be, because a writer initializes
 * its next id only after the previous one (see {@link transactionalIdOf}). Subtasks at or above
 * both parallelisms are probed while their first id shows use: a failed attempt may have run with
 * more subtasks than any checkpoint recorded.
 *
 * Probing leaves the ids it touched initialized (epoch ≥ 0), which is harmless: a writer
 * re-initializes an id before use.
 */
export class KafkaTransactionAborter {
  constructor(
    private readonly probe: TransactionalIdProbe,
    private readonly logger: Logger,
  ) {}

  /** Returns the transactional ids that were in use (and are now aborted or fenced). */
  async abortLingering(scope: LingeringScope): Promise<string[]> {
    const touched: string[] = [];
    const bound = Math.max(scope.parallelism, scope.restoredParallelism);
    for (const prefix of scope.prefixes) {
      for (let subtask = scope.subtaskId; ; subtask += scope.parallelism) {
        const first = transactionalIdOf(prefix, subtask, scope.startIndex);
        const firstEpoch = await this.probe(first);
        if (firstEpoch === 0) {
          if (subtask >= bound) break;
          continue;
        }
        touched.push(first);
        for (let index = scope.startIndex + 1; ; index++) {
          const id = transactionalIdOf(prefix, subtask, index);
          if ((await this.probe(id)) === 0) break;
          touched.push(id);
        }
      }
    }
    if (touched.length > 0) {
      this.logger.info(
        { subtask: scope.subtaskId, transactionalIds: touched },
        'aborted lingering Kafka transactions of failed attempts',
      );
    }
    return touched;
  }
}
