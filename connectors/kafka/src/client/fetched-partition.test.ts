import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { NEXT_BATCH_OFFSET } from './batch-aware-decode-messages.js';
import { decodeFetchedPartition } from './fetched-partition.js';
import type { KafkaJsFetchedMessage, KafkaJsFetchPartitionResponse } from './kafkajs-internals.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

/** A record as kafkajs decodes it, inside a batch [firstOffset, firstOffset + size). */
function record(
  offset: number,
  producerId: string,
  batch: { first: number; size: number; txn?: boolean; control?: boolean },
  value?: string,
): KafkaJsFetchedMessage {
  return {
    offset: String(offset),
    timestamp: '0',
    key: batch.control ? (value === 'abort' ? ABORT : COMMIT) : null,
    value: batch.control ? Buffer.alloc(6) : Buffer.from(value ?? `${producerId}@${offset}`),
    isControlRecord: batch.control === true,
    batchContext: {
      firstOffset: String(batch.first),
      lastOffsetDelta: batch.size - 1,
      producerId,
      inTransaction: batch.txn ?? true,
      isControlBatch: batch.control === true,
    },
  } as unknown as KafkaJsFetchedMessage;
}

function partition(
  messages: KafkaJsFetchedMessage[],
  aborted: { producerId: string; firstOffset: string }[],
) {
  return {
    partition: 0,
    errorCode: 0,
    highWatermark: String(messages.length),
    abortedTransactions: aborted,
    messages,
  } satisfies KafkaJsFetchPartitionResponse;
}

/**
 * Two writers (producers 7 and 8) interleave in one partition. Producer 8's transaction is
 * aborted first (its marker comes first, so the broker lists it first) although producer 7's
 * aborted transaction started earlier; producer 7 then commits a new transaction with the same
 * producer id (a new epoch).
 *
 *   0 p7 txn-a   1 p8 txn-b   2 p7 txn-a   3 p8 ABORT   4 p7 txn-a   5 p7 ABORT   6 p7 txn-c  7 p7 COMMIT
 */
const interleaved = partition(
  [
    record(0, '7', { first: 0, size: 1 }),
    record(1, '8', { first: 1, size: 1 }),
    record(2, '7', { first: 2, size: 1 }),
    record(3, '8', { first: 3, size: 1, control: true }, 'abort'),
    record(4, '7', { first: 4, size: 1 }),
    record(5, '7', { first: 5, size: 1, control: true }, 'abort'),
    record(6, '7', { first: 6, size: 1 }, 'committed'),
    record(7, '7', { first: 7, size: 1, control: true }, 'commit'),
  ],
  [
    { producerId: '8', firstOffset: '1' },
    { producerId: '7', firstOffset: '0' },
  ],
);

describe('decodeFetchedPartition', () => {
  it('read_committed: drops every aborted record, whatever order the broker lists aborted transactions in', () => {
    const fetched = decodeFetchedPartition(0, interleaved, true);
    expect(fetched.records.map((m) => m.value?.toString())).toEqual(['committed']);
    expect(fetched.nextOffset).toBe(8);
  });

  it('kafkajs’s own filter lets aborted records through for the same response (why it is not used)', () => {
    const require = createRequire(import.meta.url);
    const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as (args: {
      messages: KafkaJsFetchedMessage[];
      abortedTransactions: unknown[];
    }) => KafkaJsFetchedMessage[];
    const leaked = filterAbortedMessages({
      messages: interleaved.messages,
      abortedTransactions: interleaved.abortedTransactions,
    }).filter((m) => !m.isControlRecord);
    expect(leaked.map((m) => m.value?.toString())).not.toEqual(['committed']);
  });

  it('read_uncommitted: keeps aborted records, drops only control records', () => {
    const fetched = decodeFetchedPartition(0, interleaved, false);
    expect(fetched.records.map((m) => Number(m.offset))).toEqual([0, 1, 2, 4, 6]);
  });

  it('activates an aborted transaction for a whole batch that starts before its first offset', () => {
    // A batch of three records [10..12] from producer 9 whose aborted transaction starts at 10.
    const data = partition(
      [
        record(10, '9', { first: 10, size: 3 }),
        record(11, '9', { first: 10, size: 3 }),
        record(12, '9', { first: 10, size: 3 }),
        record(13, '9', { first: 13, size: 1, control: true }, 'abort'),
        record(14, '5', { first: 14, size: 1, txn: false }, 'plain'),
      ],
      [{ producerId: '9', firstOffset: '10' }],
    );
    const fetched = decodeFetchedPartition(10, data, true);
    expect(fetched.records.map((m) => m.value?.toString())).toEqual(['plain']);
  });

  it('skips records of a compressed batch before the fetch offset and reports where to go next', () => {
    const data = partition(
      [
        record(20, '1', { first: 20, size: 3, txn: false }),
        record(21, '1', { first: 20, size: 3, txn: false }),
        record(22, '1', { first: 20, size: 3, txn: false }),
      ],
      [],
    );
    const fetched = decodeFetchedPartition(21, data, true);
    expect(fetched.records.map((m) => Number(m.offset))).toEqual([21, 22]);
    expect(fetched.nextOffset).toBe(23);
    expect(decodeFetchedPartition(23, data, true)).toEqual({ records: [], nextOffset: undefined });
  });

  it('without aborted transactions: keeps every data record from the fetch offset, markers dropped', () => {
    const data = partition(
      [
        record(40, '3', { first: 40, size: 2 }),
        record(41, '3', { first: 40, size: 2 }),
        record(42, '3', { first: 42, size: 1, control: true }, 'commit'),
        record(43, '3', { first: 43, size: 2 }),
        record(44, '3', { first: 43, size: 2 }),
      ],
      [],
    );
    expect(decodeFetchedPartition(41, data, true).records.map((m) => Number(m.offset))).toEqual([41, 43, 44]);
    expect(decodeFetchedPartition(40, data, true).records.map((m) => Number(m.offset))).toEqual([
      40, 41, 43, 44,
    ]);
    const plain = partition(data.messages.slice(3), []);
    expect(decodeFetchedPartition(43, plain, true)).toEqual({ records: plain.messages, nextOffset: 45 });
    expect(data.messages).toHaveLength(5);
  });

  it('moves past a response made only of transaction markers', () => {
    const data = partition([record(30, '2', { first: 30, size: 1, control: true }, 'commit')], []);
    expect(decodeFetchedPartition(30, data, true)).toEqual({ records: [], nextOffset: 31 });
  });

  /** A response as the batch-aware decoder returns it: records plus where the last batch ends. */
  function withBatchEnd(messages: KafkaJsFetchedMessage[], nextBatchOffset: number) {
    Object.defineProperty(messages, NEXT_BATCH_OFFSET, { value: nextBatchOffset, enumerable: false });
    return partition(messages, []);
  }

  it('resumes after the batch when the cleaner removed its tail records (compacted topic)', () => {
    // Batch [0, 2] lost offset 2 to compaction: resuming at 2 would fetch the same batch forever.
    const batch = { first: 0, size: 3, txn: false };
    const data = withBatchEnd([record(0, '1', batch), record(1, '1', batch)], 3);
    const fetched = decodeFetchedPartition(0, data, true);
    expect(fetched.records).toHaveLength(2);
    expect(fetched.nextOffset).toBe(3);
  });

  it('moves past a batch the cleaner emptied (no records at all)', () => {
    expect(decodeFetchedPartition(5, withBatchEnd([], 6), true)).toEqual({ records: [], nextOffset: 6 });
    // A batch ending at or before the fetch offset moves nothing.
    expect(decodeFetchedPartition(6, withBatchEnd([], 6), true).nextOffset).toBeUndefined();
  });
});
