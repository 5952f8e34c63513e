import { jsonSerializer, type VersionedSerializer } from '@tributary/core';

/**
 * A pre-committed Kafka transaction: everything the committer needs to finish it from any
 * process, without the producer that opened it (the protocol's EndTxn takes exactly these).
 */
export interface KafkaCommittable {
  readonly transactionalId: string;
  /** Int64 as a decimal string. */
  readonly producerId: string;
  readonly producerEpoch: number;
}

/** Checkpoint state of an exactly-once writer: enough to find and abort its lingering transactions. */
export interface KafkaWriterState {
  readonly transactionalIdPrefix: string;
  readonly subtaskId: number;
  /** The job's parallelism when the state was written (bounds the subtasks to clean up after a rescale). */
  readonly parallelism: number;
  /**
   * Ids of the subtask's pool pre-committed and not yet known to be committed when the state was
   * written (this checkpoint's transaction and any carried over from aborted checkpoints): a
   * restored writer never aborts or reuses them while they are open. Absent in states of earlier
   * versions, which numbered one new id per checkpoint instead of pooling them.
   */
  readonly pendingTransactionalIds?: readonly string[];
  /** Earlier versions: the first transaction index the subtask may have opened after this checkpoint. */
  readonly nextTransactionIndex?: number;
}

/** Serializer of {@link KafkaCommittable} (JSON, version 1). */
export const kafkaCommittableSerializer: VersionedSerializer<KafkaCommittable> =
  jsonSerializer<KafkaCommittable>({
    name: 'KafkaCommittable',
    fromJson: (json) => {
      const c = json as KafkaCommittable;
      return {
        transactionalId: c.transactionalId,
        producerId: String(c.producerId),
        producerEpoch: c.producerEpoch,
      };
    },
  });

/** Serializer of {@link KafkaWriterState} (JSON, version 1). */
export const kafkaWriterStateSerializer: VersionedSerializer<KafkaWriterState> =
  jsonSerializer<KafkaWriterState>({
    name: 'KafkaWriterState',
  });
