import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type MessageIdData, MessageIdDataSchema } from './proto/PulsarApi_pb.js';

/** A message's position: ledger, entry, partition, and its index in a batch (-1 if not batched). */
export interface MessageId {
  readonly ledgerId: bigint;
  readonly entryId: bigint;
  readonly partition: number;
  readonly batchIndex: number;
  /** Messages in the batch this message came in (0 if not batched). */
  readonly batchSize: number;
}

/** Before the first message (subscribe / seek position). */
export const EARLIEST: MessageId = {
  ledgerId: -1n,
  entryId: -1n,
  partition: -1,
  batchIndex: -1,
  batchSize: 0,
};
/** After the last message. */
export const LATEST: MessageId = {
  ledgerId: 0x7fffffffffffffffn,
  entryId: 0x7fffffffffffffffn,
  partition: -1,
  batchIndex: -1,
  batchSize: 0,
};

export function messageIdFromData(data: MessageIdData, partition = data.partition): MessageId {
  return {
    ledgerId: data.ledgerId,
    entryId: data.entryId,
    partition,
    batchIndex: data.batchIndex,
    batchSize: data.batchSize,
  };
}

export function messageIdToData(id: MessageId): MessageIdData {
  return create(MessageIdDataSchema, {
    ledgerId: id.ledgerId,
    entryId: id.entryId,
    partition: id.partition,
    batchIndex: id.batchIndex,
    ...(id.batchSize > 0 ? { batchSize: id.batchSize } : {}),
  });
}

/** The same bytes as the Java client's `MessageId.toByteArray()`. */
export function serializeMessageId(id: MessageId): Uint8Array {
  return toBinary(MessageIdDataSchema, messageIdToData(id));
}

/** Reads bytes written by {@link serializeMessageId} or the Java client's `toByteArray()`. */
export function deserializeMessageId(bytes: Uint8Array): MessageId {
  return messageIdFromData(fromBinary(MessageIdDataSchema, bytes));
}

/** Orders two ids of the same partition: ledger, entry, then batch index. */
export function compareMessageIds(a: MessageId, b: MessageId): number {
  if (a.ledgerId !== b.ledgerId) return a.ledgerId < b.ledgerId ? -1 : 1;
  if (a.entryId !== b.entryId) return a.entryId < b.entryId ? -1 : 1;
  return a.batchIndex - b.batchIndex;
}

export function messageIdToString(id: MessageId): string {
  return `${id.ledgerId}:${id.entryId}:${id.partition}:${id.batchIndex}`;
}
