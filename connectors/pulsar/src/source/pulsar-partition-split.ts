import { jsonSerializer, type SourceSplit, type VersionedSerializer } from '@tributary/core';
import type { MessageId } from '@tributary/pulsar-client';
import type { SplitStart, SplitStop } from './pulsar-positions.js';

/**
 * One partition (or non-partitioned topic) for one reader. Exclusive/Failover: the split is the
 * partition, read by its one owner from `start` (a checkpointed position after a restore).
 * Shared/Key_Shared: every reader slot has a split per partition (`slot`), because every reader
 * consumes every partition; their position lives in the subscription, and the checkpoint carries
 * the reader's ack transactions instead.
 */
export interface PulsarPartitionSplit extends SourceSplit {
  /** Full name of the partition (`persistent://t/ns/orders-partition-3`) or topic. */
  readonly topic: string;
  readonly start: SplitStart;
  /** Bounded reads only. */
  readonly stop?: SplitStop;
  /** Shared/Key_Shared: the reader slot (0 … parallelism - 1 when the split was made). */
  readonly slot?: number;
  /** Shared/Key_Shared: the reader's ack transactions at the checkpoint (see {@link AckTransactions}). */
  readonly transactions?: AckTransactions;
  /**
   * Shared/Key_Shared: this split's entries acked in each transaction of `transactions.commit`
   * whose commit was not confirmed at the checkpoint (transaction id → entries as
   * `ledger:first-last,…`). A restore acks them again: their ack requests may not have reached the
   * broker before a crash.
   */
  readonly pendingAcks?: Readonly<Record<string, string>>;
}

/** Ids (`(most,least)`) of a Shared/Key_Shared reader's ack transactions at a checkpoint. */
export interface AckTransactions {
  /** Holds the acks of the records this checkpoint covers: commit it on restore (idempotent). */
  readonly commit: readonly string[];
  /** Opened for records after this checkpoint: abort it on restore so its acks never apply. */
  readonly abort: readonly string[];
}

/** The reader's mutable view of a split; the emitter moves `lastEmitted`. */
export interface PulsarSplitState {
  readonly split: PulsarPartitionSplit;
  /** The last message emitted (the checkpointed position), undefined before the first one. */
  lastEmitted: MessageId | undefined;
  /** Shared/Key_Shared: entries emitted since the last checkpoint (acked in its transaction). */
  readonly unackedEntries: MessageId[];
}

/** The split id: the topic, plus `@slot` for Shared/Key_Shared splits. */
export function pulsarSplitId(topic: string, slot?: number): string {
  return slot === undefined ? topic : `${topic}@${slot}`;
}

/** Serializer of {@link PulsarPartitionSplit} (JSON, version 1). */
export const pulsarPartitionSplitSerializer: VersionedSerializer<PulsarPartitionSplit> =
  jsonSerializer<PulsarPartitionSplit>({ name: 'PulsarPartitionSplit' });
