import {
  type Logger,
  type RecordEmitter,
  type SourceOutput,
  type SourceReaderMetricGroup,
  TributaryError,
  toError,
} from '@tributary/core';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';
import type { KinesisRecord, KinesisRecordDeserializer } from './kinesis-record.js';
import type { KinesisShardSplitState } from './kinesis-shard-split.js';

/**
 * Deserializes one record into the shard's output with its arrival time as event time, and moves
 * the shard's position past it (the checkpointed position).
 */
export class KinesisRecordEmitter<T> implements RecordEmitter<KinesisRecord, T, KinesisShardSplitState> {
  constructor(
    private readonly deserializer: KinesisRecordDeserializer<T>,
    private readonly metrics: SourceReaderMetricGroup,
    private readonly onError: 'fail' | 'skip',
    private readonly logger: Logger,
  ) {}

  emitRecord(record: KinesisRecord, output: SourceOutput<T>, state: KinesisShardSplitState): void {
    this.metrics.numBytesIn.inc(record.data.byteLength + record.partitionKey.length);
    let value: T | undefined;
    try {
      value = this.deserializer.deserialize(record);
    } catch (cause) {
      const at = `${record.stream}/${record.shardId}@${record.sequenceNumber}${record.subSequenceNumber === undefined ? '' : `.${record.subSequenceNumber}`}`;
      const error = new TributaryError(
        KinesisErrorCodes.DESERIALIZATION_FAILED,
        `Kinesis record ${at} could not be deserialized: ${toError(cause).message}`,
        {
          cause,
          context: { stream: record.stream, shardId: record.shardId, sequenceNumber: record.sequenceNumber },
        },
      );
      if (this.onError === 'fail') throw error;
      this.metrics.numRecordsInErrors.inc();
      this.logger.warn({ err: error }, error.message);
    }
    state.position =
      record.subSequenceNumber === undefined
        ? { type: 'after-sequence-number', sequenceNumber: record.sequenceNumber }
        : {
            type: 'after-sequence-number',
            sequenceNumber: record.sequenceNumber,
            sub: record.subSequenceNumber,
          };
    state.lastSequenceNumber = record.sequenceNumber;
    if (value !== undefined) output.collect(value, record.arrivalTimestamp);
  }
}
