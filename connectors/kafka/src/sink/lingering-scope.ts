import type { WriterInitContext } from '@tributary/core';
import type { KafkaWriterState } from './kafka-committable.js';
import type { LingeringScope } from './kafka-transaction-aborter.js';

/**
 * The aborter's scope for a writer restored from `restored` states: the first index new
 * transactions may use (the largest recorded `nextTransactionIndex`, at least the restored
 * checkpoint id + 1 — never assuming indices stay below checkpoint ids) and each old subtask's
 * recorded start.
 */
export function lingeringScope(
  ctx: WriterInitContext,
  prefixes: readonly string[],
  restored: readonly KafkaWriterState[],
): LingeringScope {
  const recordedStarts = new Map<string, number>();
  let startIndex = (ctx.restoredCheckpointId ?? 0) + 1;
  for (const state of restored) {
    if (state.nextTransactionIndex === undefined) continue;
    recordedStarts.set(`${state.transactionalIdPrefix}-${state.subtaskId}`, state.nextTransactionIndex);
    startIndex = Math.max(startIndex, state.nextTransactionIndex);
  }
  return {
    prefixes: [...new Set(prefixes)],
    subtaskId: ctx.subtaskId,
    parallelism: ctx.parallelism,
    restoredParallelism: Math.max(0, ...restored.map((s) => s.parallelism)),
    startIndex,
    recordedStarts,
  };
}
