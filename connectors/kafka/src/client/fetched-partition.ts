import { NEXT_BATCH_OFFSET } from './batch-aware-decode-messages.js';
import type { KafkaJsFetchedMessage, KafkaJsFetchPartitionResponse } from './kafkajs-internals.js';

/** The record batch header kafkajs attaches to every decoded message. */
interface BatchContext {
  readonly firstOffset: string;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly inTransaction: boolean;
  readonly isControlBatch?: boolean;
}

interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** The control record key of an ABORT marker: version 0, type 0. */
const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/** What one partition of a fetch response yields. */
export interface FetchedPartition {
  /** Data records a consumer at this isolation level sees, in offset order. */
  readonly records: KafkaJsFetchedMessage[];
  /**
   * The offset to fetch next: one past the last complete record batch in the response
   * (`baseOffset + lastOffsetDelta + 1`, as the Java consumer; records compacted away and empty
   * batches included), else one past the last record, filtered or not (aborted records and
   * transaction markers included), or `undefined` when the response held nothing at or after the
   * fetch offset.
   */
  readonly nextOffset: number | undefined;
}

/**
 * Decodes one partition of a fetch response the way the Java consumer does.
 *
 * Why not kafkajs's `Batch`: its aborted-transaction filter assumes the broker lists aborted
 * transactions sorted by first offset and activates at most one per message. The broker lists
 * them in the order of their abort markers, so with several producers' transactions interleaved
 * in a partition (e.g. the writers of a parallel exactly-once job, one of which was aborted after
 * a failure), kafkajs lets aborted records through to `read_committed` readers. Here, as in the
 * Java client's `Fetcher`, aborted transactions are taken in first-offset order and every one
 * starting at or before the end of the current record batch is active while it is read; an ABORT
 * marker ends its producer's aborted transaction.
 */
export function decodeFetchedPartition(
  fetchOffset: number,
  data: KafkaJsFetchPartitionResponse,
  readCommitted: boolean,
): FetchedPartition {
  const raw = data.messages;
  // Where the last complete record batch ends (see batch-aware-decode-messages.ts): past records
  // the log cleaner removed from a batch's tail, and past batches it emptied.
  const batchEnd = (raw as { [NEXT_BATCH_OFFSET]?: number })[NEXT_BATCH_OFFSET];
  // A compressed batch may start before the fetch offset: those records were read before.
  let start = 0;
  while (start < raw.length && Number((raw[start] as KafkaJsFetchedMessage).offset) < fetchOffset) start++;
  if (start === raw.length) {
    return {
      records: [],
      nextOffset: batchEnd !== undefined && batchEnd > fetchOffset ? batchEnd : undefined,
    };
  }
  const nextOffset = Math.max(
    Number((raw[raw.length - 1] as KafkaJsFetchedMessage).offset) + 1,
    batchEnd ?? 0,
  );
  const aborted = readCommitted ? sortedAborted(data.abortedTransactions) : [];
  if (aborted.length === 0) return { records: dataRecords(raw, start), nextOffset };
  const records: KafkaJsFetchedMessage[] = [];
  const active = new Set<string>();
  let nextAborted = 0;
  for (let i = start; i < raw.length; i++) {
    const m = raw[i] as KafkaJsFetchedMessage;
    const batch = (m as unknown as { batchContext: BatchContext }).batchContext;
    const batchLastOffset = Number(batch.firstOffset) + batch.lastOffsetDelta;
    while (
      nextAborted < aborted.length &&
      (aborted[nextAborted] as ParsedAborted).firstOffset <= batchLastOffset
    ) {
      active.add((aborted[nextAborted] as ParsedAborted).producerId);
      nextAborted++;
    }
    if (m.isControlRecord) {
      if (m.key !== null && ABORT_MARKER_KEY.equals(m.key)) active.delete(batch.producerId);
      continue;
    }
    if (batch.inTransaction && active.has(batch.producerId)) continue;
    records.push(m);
  }
  return { records, nextOffset };
}

/**
 * The records of `raw` from `start` without control records. The usual case, a whole response of
 * data records, returns `raw` itself: no per-record copy on the hot path.
 */
function dataRecords(raw: KafkaJsFetchedMessage[], start: number): KafkaJsFetchedMessage[] {
  let i = start;
  while (i < raw.length && !(raw[i] as KafkaJsFetchedMessage).isControlRecord) i++;
  if (start === 0 && i === raw.length) return raw;
  const records = raw.slice(start, i);
  for (; i < raw.length; i++) {
    const m = raw[i] as KafkaJsFetchedMessage;
    if (!m.isControlRecord) records.push(m);
  }
  return records;
}

interface ParsedAborted {
  readonly producerId: string;
  readonly firstOffset: number;
}

function sortedAborted(list: readonly unknown[] | undefined): ParsedAborted[] {
  if (!list || list.length === 0) return [];
  return (list as AbortedTransaction[])
    .map((t) => ({ producerId: String(t.producerId), firstOffset: Number(t.firstOffset) }))
    .sort((a, b) => a.firstOffset - b.firstOffset);
}
