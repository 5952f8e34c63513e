import {
  type Logger,
  type RecordEmitter,
  type SourceOutput,
  type SourceReaderMetricGroup,
  TributaryError,
  toError,
} from '@tributary/core';
import { messageIdToString } from '@tributary/pulsar-client';
import type { PulsarMessageDeserializer } from './pulsar-message-deserializer.js';
import type { PulsarSplitState } from './pulsar-partition-split.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';
import type { PulsarEntry } from './pulsar-split-reader.js';

/**
 * Emits one entry's messages into the split's output — with the event time, or the publish time
 * when the producer set none, as timestamp — and moves the split's position to the entry's last
 * message. An entry is emitted whole, so a checkpoint never lands inside a batch. Shared and
 * Key_Shared splits also remember the entry for the checkpoint's ack transaction.
 */
export class PulsarRecordEmitter<T> implements RecordEmitter<PulsarEntry, T, PulsarSplitState> {
  constructor(
    private readonly deserializer: PulsarMessageDeserializer<T>,
    private readonly metrics: SourceReaderMetricGroup,
    private readonly onError: 'fail' | 'skip',
    private readonly trackEntries: boolean,
    private readonly logger: Logger,
  ) {}

  emitRecord(entry: PulsarEntry, output: SourceOutput<T>, state: PulsarSplitState): void {
    let bytes = 0;
    for (const message of entry) {
      bytes += message.payload.length;
      let value: T | undefined;
      try {
        value = this.deserializer.deserialize(message);
      } catch (cause) {
        const error = new TributaryError(
          PulsarSourceErrorCodes.DESERIALIZATION_FAILED,
          `Pulsar message ${message.topic}@${messageIdToString(message.messageId)} could not be deserialized: ${toError(cause).message}`,
          { cause, context: { topic: message.topic, messageId: messageIdToString(message.messageId) } },
        );
        if (this.onError === 'fail') throw error;
        this.metrics.numRecordsInErrors.inc();
        this.logger.warn({ err: error }, error.message);
      }
      if (value !== undefined)
        output.collect(value, message.eventTime > 0 ? message.eventTime : message.publishTime);
    }
    this.metrics.numBytesIn.inc(bytes);
    const last = (entry[entry.length - 1] as PulsarEntry[number]).messageId;
    state.lastEmitted = last;
    if (this.trackEntries) state.unackedEntries.push(last);
  }
}
