import type { KafkaJsMessage } from '../client/kafkajs-internals.js';
import type { ConvertedBatch } from './kafka-message-converter.js';

/** One produce request's records, grouped by topic, each topic's in the order they were written. */
export interface KafkaRequestChunk {
  readonly topicMessages: Map<string, KafkaJsMessage[]>;
  /** Records in the chunk. */
  count: number;
  /** Key and value bytes in the chunk. */
  bytes: number;
  /** Position of the chunk's first record among all records appended to the accumulator (from 0). */
  readonly firstRecord: number;
  /**
   * Per topic, where its messages came from: `[position, length, position, length, ...]` runs of
   * append positions (one run per write and topic, not per record).
   */
  readonly positions: Map<string, number[]>;
}

/** The append position of `chunk.topicMessages.get(topic)[index]`. */
export function recordPosition(chunk: KafkaRequestChunk, topic: string, index: number): number {
  const runs = chunk.positions.get(topic) ?? [];
  let rest = index;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const length = runs[i + 1] as number;
    if (rest < length) return (runs[i] as number) + rest;
    rest -= length;
  }
  return -1;
}

/** When a chunk is full. */
export interface KafkaAccumulatorLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/**
 * Collects written records into request-sized chunks across writes (the Java producer's
 * `RecordAccumulator`, per writer rather than per partition: kafkajs builds one request per
 * leader with one record batch per partition from whatever it is handed). A chunk is full when
 * it holds `maxRecords` records or the next record would take it past `maxBytes` (a record larger
 * than `maxBytes` gets a chunk of its own); full chunks queue in order behind the open one. Pure
 * bookkeeping: when to send is {@link KafkaSendPipeline}'s business.
 */
export class KafkaRecordAccumulator {
  private readonly full: KafkaRequestChunk[] = [];
  private open: KafkaRequestChunk | undefined;
  private appended = 0;
  /** Changes whenever a new open chunk starts, so a linger timer can tell whose it is. */
  private openSerial = 0;

  constructor(private readonly limits: KafkaAccumulatorLimits) {}

  /**
   * Appends a converted write, closing chunks as they fill. Takes ownership of the batch's
   * message lists (a list may become a chunk's own).
   */
  append(batch: ConvertedBatch): void {
    if (this.fitsOpen(batch)) {
      this.appendWhole(batch);
      return;
    }
    for (const [topic, messages] of batch.topicMessages) {
      for (const message of messages) this.appendOne(topic, message);
    }
  }

  /** Whether full chunks wait to be sent. */
  get hasFull(): boolean {
    return this.full.length > 0;
  }

  /** Records in the open (not yet full) chunk. */
  get openRecords(): number {
    return this.open?.count ?? 0;
  }

  /** Identifies the current open chunk (see {@link openSerial}). */
  get openChunkSerial(): number {
    return this.openSerial;
  }

  /** Records appended and not yet taken. */
  get pendingRecords(): number {
    let n = this.openRecords;
    for (const chunk of this.full) n += chunk.count;
    return n;
  }

  /** The oldest full chunk, removed. */
  takeFull(): KafkaRequestChunk | undefined {
    return this.full.shift();
  }

  /** The open chunk, removed (the next record starts a new one). */
  takeOpen(): KafkaRequestChunk | undefined {
    const chunk = this.open;
    this.open = undefined;
    return chunk;
  }

  /** Drops everything not taken; returns how many records were dropped. */
  discard(): number {
    const dropped = this.pendingRecords;
    this.full.length = 0;
    this.open = undefined;
    return dropped;
  }

  /**
   * Whether the whole write fits the open chunk (or a new one) without any record closing it
   * early: appended record by record, no record would cross `maxBytes` and only the last one could
   * reach `maxRecords` (bytes stay strictly below `maxBytes`, so no record reaches it either).
   */
  private fitsOpen(batch: ConvertedBatch): boolean {
    const count = this.open?.count ?? 0;
    const bytes = this.open?.bytes ?? 0;
    return (
      batch.count > 0 &&
      count + batch.count <= this.limits.maxRecords &&
      bytes + batch.bytes < this.limits.maxBytes
    );
  }

  /** {@link appendOne} for every record of a write that {@link fitsOpen}, one list and one run per topic. */
  private appendWhole(batch: ConvertedBatch): void {
    const chunk = this.open ?? this.openChunk();
    for (const [topic, messages] of batch.topicMessages) {
      if (messages.length === 0) continue;
      const list = chunk.topicMessages.get(topic);
      if (list === undefined) chunk.topicMessages.set(topic, messages);
      else for (const message of messages) list.push(message);
      this.addRun(chunk, topic, messages.length);
      this.appended += messages.length;
    }
    chunk.count += batch.count;
    chunk.bytes += batch.bytes;
    if (chunk.count >= this.limits.maxRecords) {
      this.full.push(chunk);
      this.open = undefined;
    }
  }

  private openChunk(): KafkaRequestChunk {
    const chunk: KafkaRequestChunk = {
      topicMessages: new Map(),
      count: 0,
      bytes: 0,
      firstRecord: this.appended,
      positions: new Map(),
    };
    this.open = chunk;
    this.openSerial++;
    return chunk;
  }

  /** Notes that the next `length` appended records go to `topic` of `chunk`. */
  private addRun(chunk: KafkaRequestChunk, topic: string, length: number): void {
    const runs = chunk.positions.get(topic);
    if (runs === undefined) chunk.positions.set(topic, [this.appended, length]);
    else if ((runs[runs.length - 2] as number) + (runs[runs.length - 1] as number) === this.appended) {
      runs[runs.length - 1] = (runs[runs.length - 1] as number) + length;
    } else runs.push(this.appended, length);
  }

  private appendOne(topic: string, message: KafkaJsMessage): void {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    let chunk = this.open;
    if (chunk !== undefined && chunk.bytes + size > this.limits.maxBytes) {
      this.full.push(chunk);
      chunk = undefined;
    }
    if (chunk === undefined) chunk = this.openChunk();
    const list = chunk.topicMessages.get(topic);
    if (list) list.push(message);
    else chunk.topicMessages.set(topic, [message]);
    this.addRun(chunk, topic, 1);
    chunk.count++;
    chunk.bytes += size;
    this.appended++;
    if (chunk.count >= this.limits.maxRecords || chunk.bytes >= this.limits.maxBytes) {
      this.full.push(chunk);
      this.open = undefined;
    }
  }
}
