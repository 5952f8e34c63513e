import type { Logger, WriterInitContext } from '@tributary/core';
import { retryThroughFailover } from '../client/coordinator-failover.js';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { listTransactions } from '../client/list-transactions.js';
import type { KafkaWriterState } from './kafka-committable.js';
import {
  KafkaTransactionAborter,
  logAborted,
  type TransactionalIdProber,
} from './kafka-transaction-aborter.js';
import { lingeringScope } from './lingering-scope.js';

/** What one writer cleans up at start. */
export interface LingeringCleanup {
  /** The current prefix and every prefix found in restored writer states. */
  readonly prefixes: readonly string[];
  readonly subtaskId: number;
  readonly parallelism: number;
  /** Largest parallelism recorded in restored writer states (0 without state). */
  readonly restoredParallelism: number;
  /** Pre-committed ids of the restored checkpoint: their commit may still be pending, never abort them. */
  readonly pendingIds: ReadonlySet<string>;
  /** Per `<prefix>-<subtask>` of restored states of earlier versions: ids below this index are the checkpoint's. */
  readonly legacyStarts: ReadonlyMap<string, number>;
  /** The legacy walk's common start (see `lingeringScope`), when a restored state is of an earlier version. */
  readonly legacyStartIndex: number | undefined;
}

/** The cleanup of a writer restored from `restored` (empty on a fresh start). */
export function lingeringCleanup(
  ctx: WriterInitContext,
  prefixes: readonly string[],
  restored: readonly KafkaWriterState[],
): LingeringCleanup {
  const legacy = restored.filter((s) => s.pendingTransactionalIds === undefined);
  const legacyScope = legacy.length > 0 ? lingeringScope(ctx, prefixes, legacy) : undefined;
  return {
    prefixes: [...new Set(prefixes)],
    subtaskId: ctx.subtaskId,
    parallelism: ctx.parallelism,
    restoredParallelism: Math.max(0, ...restored.map((s) => s.parallelism)),
    pendingIds: new Set(restored.flatMap((s) => s.pendingTransactionalIds ?? [])),
    legacyStarts: legacyScope?.recordedStarts ?? new Map(),
    legacyStartIndex: legacyScope?.startIndex,
  };
}

/** `<prefix>-<subtask>-<index>` of one of `prefixes`, or undefined. */
export function parseTransactionalId(
  id: string,
  prefixes: readonly string[],
): { prefix: string; subtask: number; index: number } | undefined {
  for (const prefix of prefixes) {
    if (!id.startsWith(`${prefix}-`)) continue;
    const match = /^(\d+)-(\d+)$/.exec(id.slice(prefix.length + 1));
    if (match) return { prefix, subtask: Number(match[1]), index: Number(match[2]) };
  }
  return undefined;
}

/**
 * Aborts the transactions that failed attempts (or an earlier run with the same prefix) left
 * open, so `read_committed` readers are not held back and replayed records are not doubled.
 *
 * With ListTransactions (Kafka ≥ 3.0) the cluster is asked for its `Ongoing` transactions and the
 * writer aborts those of its prefixes that it owns — subtask `s` with `s mod p = i` for writer `i`
 * of `p`, which covers a restore, a rescale in either direction and a fresh start with a used
 * prefix whatever parallelism ran before — except ids the restored checkpoint pre-committed. Cost:
 * one request per broker, independent of how many ids were ever used. Without it the writer walks
 * the pool ({@link KafkaTransactionAborter}). ListTransactions retries through a broker failover
 * for up to `failoverTimeoutMs`. Returns the aborted ids.
 */
export async function abortLingeringTransactions(
  cluster: KafkaJsCluster,
  prober: TransactionalIdProber,
  logger: Logger,
  cleanup: LingeringCleanup,
  failoverTimeoutMs: number,
): Promise<string[]> {
  const keep = (id: string): boolean => {
    if (cleanup.pendingIds.has(id)) return true;
    const parsed = parseTransactionalId(id, cleanup.prefixes);
    const legacyStart = parsed && cleanup.legacyStarts.get(`${parsed.prefix}-${parsed.subtask}`);
    return parsed !== undefined && legacyStart !== undefined && parsed.index < legacyStart;
  };
  // Every broker is asked; one that just died stays in kafkajs's metadata until a refresh.
  const listed = await retryThroughFailover(
    cluster,
    'ListTransactions',
    () => listTransactions(cluster, ['Ongoing']),
    failoverTimeoutMs,
  );
  if (listed === undefined) return walkPool(prober, logger, cleanup, keep);
  const aborted = listed
    .map((t) => t.transactionalId)
    .filter((id) => {
      const parsed = parseTransactionalId(id, cleanup.prefixes);
      return parsed !== undefined && parsed.subtask % cleanup.parallelism === cleanup.subtaskId && !keep(id);
    })
    .sort();
  // All at once: each abort is a fence and a wait for its markers, independent of the others.
  await Promise.all(aborted.map((id) => prober.abort(id)));
  logAborted(logger, cleanup.subtaskId, aborted);
  return aborted;
}

async function walkPool(
  prober: TransactionalIdProber,
  logger: Logger,
  cleanup: LingeringCleanup,
  keep: (id: string) => boolean,
): Promise<string[]> {
  const aborter = new KafkaTransactionAborter(prober, logger);
  const base = {
    prefixes: cleanup.prefixes,
    subtaskId: cleanup.subtaskId,
    parallelism: cleanup.parallelism,
    restoredParallelism: cleanup.restoredParallelism,
    keep,
  };
  const aborted = await aborter.abortLingering({ ...base, startIndex: 0 });
  if (cleanup.legacyStartIndex !== undefined) {
    aborted.push(
      ...(await aborter.abortLingering({
        ...base,
        startIndex: cleanup.legacyStartIndex,
        recordedStarts: cleanup.legacyStarts,
      })),
    );
  }
  return aborted;
}
