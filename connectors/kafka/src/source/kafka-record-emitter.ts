import {
  type DeserializationSchema,
  type Logger,
  type RecordEmitter,
  type SourceOutput,
  type SourceReaderMetricGroup,
  TributaryError,
  toError,
} from '@tributary/core';
import type { KafkaJsFetchedMessage } from '../client/kafkajs-internals.js';
import { isKafkaDeadLetter } from '../dead-letter/kafka-dead-letter.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaPartitionSplitState } from './kafka-partition-split.js';
import {
  type KafkaConsumerRecord,
  type KafkaRecordDeserializer,
  valueSchemaOf,
} from './kafka-record-deserializer.js';

const NO_HEADERS: Readonly<Record<string, Buffer | Buffer[] | undefined>> = Object.freeze({});

/**
 * Deserializes one fetched message into the split's output, with the Kafka record timestamp as
 * its event time, and moves the split's offset past it (the checkpointed position).
 *
 * Called once per record on the subtask's loop. With a {@link valueOnly} deserializer the value
 * schema is called with the message's value directly, without building a
 * {@link KafkaConsumerRecord} first (same result and origin, one allocation less per record).
 */
export class KafkaRecordEmitter<T>
  implements RecordEmitter<KafkaJsFetchedMessage, T, KafkaPartitionSplitState>
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

  emitRecord(message: KafkaJsFetchedMessage, output: SourceOutput<T>, state: KafkaPartitionSplitState): void {
    const offset = Number(message.offset);
    const timestamp = Number(message.timestamp);
    const { key, value: bytes } = message;
    this.metrics.numBytesIn.inc((bytes?.length ?? 0) + (key?.length ?? 0));
    let value: T | undefined;
    try {
      value = this.deserialize(message, offset, timestamp, state);
    } catch (cause) {
      const error = new TributaryError(
        KafkaErrorCodes.DESERIALIZATION_FAILED,
        `Kafka record ${state.topic}-${state.partition}@${offset} could not be deserialized: ${toError(cause).message}`,
        { cause, context: { topic: state.topic, partition: state.partition, offset } },
      );
      if (this.onError === 'fail') throw error;
      this.metrics.numRecordsInErrors.inc();
      this.logger.warn({ err: error }, error.message);
    }
    state.offset = offset + 1;
    if (value === undefined) return;
    if (isKafkaDeadLetter(value)) this.metrics.numRecordsInErrors.inc();
    output.collect(value, timestamp);
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
