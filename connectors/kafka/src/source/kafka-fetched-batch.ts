import type { KafkaJsFetchedMessage } from '../client/kafkajs-internals.js';

/**
 * One partition's records of one fetch, the element the source reader hands to its emitter (one
 * per partition and fetch, not one per record): the emitter works through it in ranges and moves
 * the split's position once per range.
 */
export interface KafkaFetchedBatch {
  /** Data records a reader at the source's isolation level sees, in offset order. */
  readonly records: readonly KafkaJsFetchedMessage[];
  /**
   * The offset of `records[0]` when the records' offsets are consecutive (`records[i]` is at
   * `consecutiveFrom + i`), so the emitter computes offsets instead of parsing kafkajs's offset
   * strings record by record; `undefined` when there are gaps (compacted, aborted or filtered
   * records, transaction markers) and for no records.
   */
  readonly consecutiveFrom: number | undefined;
  /**
   * The position once every record was emitted: where the partition's next fetch starts (past
   * transaction markers, aborted records and records the log cleaner removed), at most the
   * split's stopping offset.
   */
  readonly nextOffset: number;
}

/** A batch of `records` ending at `nextOffset`; checks once whether their offsets are consecutive. */
export function kafkaFetchedBatch(
  records: readonly KafkaJsFetchedMessage[],
  nextOffset: number,
): KafkaFetchedBatch {
  const first = records[0];
  const last = records[records.length - 1];
  let consecutiveFrom: number | undefined;
  if (first !== undefined && last !== undefined) {
    // Offsets in a partition strictly increase, so first..last spans exactly `length` offsets
    // only when none is missing.
    const from = Number(first.offset);
    if (Number(last.offset) - from === records.length - 1) consecutiveFrom = from;
  }
  return { records, consecutiveFrom, nextOffset };
}
