import {
  type BatchRecordEmitter,
  collectBatch,
  type DeserializationSchema,
  type Logger,
  type SourceOutput,
  type SourceReaderMetricGroup,
  TributaryError,
  toError,
} from '@tributary/core';
import type { KafkaJsFetchedMessage } from '../client/kafkajs-internals.js';
import { isKafkaDeadLetter } from '../dead-letter/kafka-dead-letter.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaFetchedBatch } from './kafka-fetched-batch.js';
import type { KafkaPartitionSplitState } from './kafka-partition-split.js';
import {
  type KafkaConsumerRecord,
  type KafkaRecordDeserializer,
  valueSchemaOf,
} from './kafka-record-deserializer.js';

const NO_HEADERS: Readonly<Record<string, Buffer | Buffer[] | undefined>> = Object.freeze({});

/**
 * Deserializes a partition's fetched records into the split's output, each with its Kafka record
 * timestamp as event time, and moves the split's offset past what it emitted (the checkpointed
 * position).
 *
 * A batch emitter ({@link BatchRecordEmitter}): the reader hands it one {@link KafkaFetchedBatch}
 * per partition and fetch and asks for ranges of records, so the per-record work is the value's
 * deserialization and its timestamp; a range's records go to the output in one `collectBatch`,
 * offsets come from the batch's first offset when they are consecutive, the byte count and the
 * position are updated once per range. After a
 * batch's last record the position is the batch's `nextOffset` (past transaction markers and
 * compacted-away records, like the fetch position), not the last record's offset + 1.
 *
 * With a {@link valueOnly} deserializer the value schema is called with the message's value
 * directly, without building a {@link KafkaConsumerRecord} first (same result and origin).
 */
export class KafkaRecordEmitter<T>
  implements BatchRecordEmitter<KafkaFetchedBatch, T, KafkaPartitionSplitState>
{
  private readonly valueSchema: DeserializationSchema<T> | undefined;

  constructor(
    private readonly deserializer: KafkaRecordDeserializer<T>,
    private readonly metrics: SourceReaderMetricGroup,
    private readonly onError: 'fail' | 'skip',
    private readonly logger: Logger,
  ) {
    this.valueSchema = valueSchemaOf(deserializer);
  }

  recordCount(batch: KafkaFetchedBatch): number {
    return batch.records.length;
  }

  emitRecord(batch: KafkaFetchedBatch, output: SourceOutput<T>, state: KafkaPartitionSplitState): void {
    this.emitRecords(batch, 0, batch.records.length, output, state);
  }

  emitRecords(
    batch: KafkaFetchedBatch,
    from: number,
    to: number,
    output: SourceOutput<T>,
    state: KafkaPartitionSplitState,
  ): void {
    const { records, consecutiveFrom } = batch;
    // Collected here and handed to the output once per range (see SourceOutput.collectBatch).
    const values: T[] = [];
    const timestamps: number[] = [];
    let bytes = 0;
    let i = from;
    try {
      for (; i < to; i++) {
        const message = records[i] as KafkaJsFetchedMessage;
        const offset = consecutiveFrom === undefined ? Number(message.offset) : consecutiveFrom + i;
        const { key, value: raw } = message;
        bytes += (raw === null ? 0 : raw.length) + (key === null ? 0 : key.length);
        const timestamp = Number(message.timestamp);
        const value = this.deserializeOrSkip(message, offset, timestamp, state);
        if (value === undefined) continue;
        if (isKafkaDeadLetter(value)) this.metrics.numRecordsInErrors.inc();
        values.push(value);
        timestamps.push(timestamp);
      }
    } finally {
      // On a failure too: the records before the one that failed were emitted.
      if (values.length > 0) collectBatch(output, values, timestamps);
      this.metrics.numBytesIn.inc(bytes);
      // Past what was emitted (on a failure, up to the record that failed).
      if (i === records.length) state.offset = batch.nextOffset;
      else if (i > from)
        state.offset =
          (consecutiveFrom === undefined
            ? Number((records[i - 1] as KafkaJsFetchedMessage).offset)
            : consecutiveFrom + i - 1) + 1;
    }
  }

  /** The record's value, or undefined to emit nothing (dropped, or skipped after a failure). */
  private deserializeOrSkip(
    message: KafkaJsFetchedMessage,
    offset: number,
    timestamp: number,
    state: KafkaPartitionSplitState,
  ): T | undefined {
    try {
      return this.deserialize(message, offset, timestamp, state);
    } catch (cause) {
      const error = new TributaryError(
        KafkaErrorCodes.DESERIALIZATION_FAILED,
        `Kafka record ${state.topic}-${state.partition}@${offset} could not be deserialized: ${toError(cause).message}`,
        { cause, context: { topic: state.topic, partition: state.partition, offset } },
      );
      if (this.onError === 'fail') throw error;
      this.metrics.numRecordsInErrors.inc();
      this.logger.warn({ err: error }, error.message);
      return undefined;
    }
  }

  private deserialize(
    message: KafkaJsFetchedMessage,
    offset: number,
    timestamp: number,
    state: KafkaPartitionSplitState,
  ): T | undefined {
    const schema = this.valueSchema;
    if (schema !== undefined) {
      // valueOnly: tombstones are dropped; the origin is the one valueOnly would pass.
      return message.value === null
        ? undefined
        : schema.deserialize(message.value, { topic: state.topic, partition: state.partition, offset });
    }
    const record: KafkaConsumerRecord = {
      topic: state.topic,
      partition: state.partition,
      offset,
      timestamp,
      key: message.key,
      value: message.value,
      headers: message.headers ?? NO_HEADERS,
    };
    return this.deserializer.deserialize(record);
  }
}
