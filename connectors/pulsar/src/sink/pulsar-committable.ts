import { jsonSerializer, type VersionedSerializer } from '@tributary/core';
import type { TxnId } from '@tributary/pulsar-client';

/**
 * A pre-committed Pulsar transaction: its id is all the committer needs to end it from any
 * connection or process (END_TXN by id; the broker allows it for the same principal).
 * Both halves are unsigned 64-bit integers, kept as decimal strings (JSON has no int64).
 */
export interface PulsarCommittable {
  readonly txnMostBits: string;
  readonly txnLeastBits: string;
}

/**
 * Checkpoint state of an exactly-once writer: the transactions it had opened and not handed to a
 * committer when the checkpoint was taken (the one receiving records and the one opened ahead for
 * the next checkpoint). A restore aborts them by id: whatever a failed attempt wrote into them
 * after this checkpoint must not become visible, and readers must not wait for their timeout.
 */
export interface PulsarWriterState {
  readonly subtaskId: number;
  readonly openTransactions: readonly PulsarCommittable[];
}

export function committableOf(id: TxnId): PulsarCommittable {
  return { txnMostBits: id.mostBits.toString(), txnLeastBits: id.leastBits.toString() };
}

export function txnIdOf(committable: PulsarCommittable): TxnId {
  return { mostBits: BigInt(committable.txnMostBits), leastBits: BigInt(committable.txnLeastBits) };
}

/** Serializer of {@link PulsarCommittable} (JSON, version 1). */
export const pulsarCommittableSerializer: VersionedSerializer<PulsarCommittable> =
  jsonSerializer<PulsarCommittable>({ name: 'PulsarCommittable' });

/** Serializer of {@link PulsarWriterState} (JSON, version 1). */
export const pulsarWriterStateSerializer: VersionedSerializer<PulsarWriterState> =
  jsonSerializer<PulsarWriterState>({ name: 'PulsarWriterState' });
