import {
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
import type { KafkaConsumerRecord, KafkaRecordDeserializer } from './kafka-record-deserializer.js';

const NO_HEADERS: Readonly<Record<string, Buffer | Buffer[] | undefined>> = Object.freeze({});

/**
 * Deserializes one fetched message into the split's output, with the Kafka record timestamp as
 * its event time, and moves the split's offset past it (the checkpointed position).
 */
export class KafkaRecordEmitter<T>
  implements RecordEmitter<KafkaJsFetchedMessage, T, KafkaPartitionSplitState>
{
  constructor(
    private readonly deserializer: KafkaRecordDeserializer<T>,
    private readonly metrics: SourceReaderMetricGroup,
    private readonly onError: 'fail' | 'skip',
    private readonly logger: Logger,
  ) {}

  emitRecord(message: KafkaJsFetchedMessage, output: SourceOutput<T>, state: KafkaPartitionSplitState): void {
    const offset = Number(message.offset);
    const timestamp = Number(message.timestamp);
    const record: KafkaConsumerRecord = {
      topic: state.topic,
      partition: state.partition,
      offset,
      timestamp,
      key: message.key,
      value: message.value,
      headers: message.headers ?? NO_HEADERS,
    };
    this.metrics.numBytesIn.inc((message.value?.length ?? 0) + (message.key?.length ?? 0));
    let value: T | undefined;
    try {
      value = this.deserializer.deserialize(record);
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
}
