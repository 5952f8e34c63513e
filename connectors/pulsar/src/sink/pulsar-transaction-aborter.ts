import { type Logger, TributaryError } from '@tributary/core';
import { type EndTxnOutcome, type TxnId, txnIdToString } from '@tributary/pulsar-client';
import { type PulsarWriterState, txnIdOf } from './pulsar-committable.js';
import { pulsarServerErrorCode } from './pulsar-server-error.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';

/** Ends transactions by id (the client's `TransactionCoordinatorClient`, or a fake in tests). */
export interface TransactionEnder {
  endTransaction(id: TxnId, action: 'commit' | 'abort'): Promise<EndTxnOutcome>;
}

/** Coordinator answers meaning "this transaction already ended": nothing is left to abort. */
const ALREADY_ENDED = new Set<string>(['TransactionNotFound', 'InvalidTxnStatus']);

/**
 * Aborts, by id, the transactions that restored writer states list as open (Flink's
 * `TransactionAborter`, for Pulsar's coordinator-assigned ids): what a failed attempt wrote into
 * them after the checkpoint is discarded at once instead of holding readers back until
 * `transactionTimeoutMs`. Idempotent: a transaction that already ended (aborted by an earlier
 * restore, timed out, or closed by its writer) answers "not found" and is skipped.
 *
 * A restore can only abort what checkpoints recorded: a transaction an attempt opened after its
 * restore and before its first completed checkpoint is known to no checkpoint and ends by its
 * timeout (see `transactionTimeoutMs`).
 */
export async function abortLingeringTransactions(
  coordinator: TransactionEnder,
  restored: readonly PulsarWriterState[],
  logger: Logger,
): Promise<TxnId[]> {
  const aborted: TxnId[] = [];
  const seen = new Set<string>();
  for (const state of restored) {
    for (const committable of state.openTransactions) {
      const id = txnIdOf(committable);
      const name = txnIdToString(id);
      if (seen.has(name)) continue;
      seen.add(name);
      try {
        if ((await coordinator.endTransaction(id, 'abort')) === 'aborted') aborted.push(id);
      } catch (error) {
        if (ALREADY_ENDED.has(pulsarServerErrorCode(error) ?? '')) continue;
        throw new TributaryError(
          PulsarSinkErrorCodes.REQUEST_FAILED,
          `Pulsar sink: aborting lingering transaction ${name} of subtask ${state.subtaskId} failed: ${(error as Error)?.message ?? String(error)}`,
          { cause: error, retriable: true, context: { transaction: name, subtask: state.subtaskId } },
        );
      }
    }
  }
  if (aborted.length > 0) {
    logger.info(
      { transactions: aborted.map(txnIdToString) },
      'aborted lingering Pulsar transactions of failed attempts',
    );
  }
  return aborted;
}
