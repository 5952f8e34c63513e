import {
  type BatchRecordEmitter,
  type Logger,
  type RecordEmitter,
  type SourceOutput,
  type SourceReaderMetricGroup,
  TributaryError,
  toError,
} from '@tributary/core';
import { type ConsumerMessage, messageIdToString } from '@tributary/pulsar-client';
import type { PulsarMessageDeserializer } from './pulsar-message-deserializer.js';
import type { PulsarSplitState } from './pulsar-partition-split.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';
import type { PulsarEntry } from './pulsar-split-reader.js';

/**
 * Emits one entry's messages into the split's output — with the event time, or the publish time
 * when the producer set none, as timestamp — and moves the split's position to the entry's last
 * message. An entry is emitted whole, so a checkpoint never lands inside a batch: what Shared and
 * Key_Shared splits need, whose positions are whole-entry acks (each entry is remembered for the
 * checkpoint's ack transaction). Exclusive and Failover use {@link PulsarMessageRangeEmitter}.
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
    const messages = entry.messages();
    this.emitMessages(messages, 0, messages.length, output, state);
    const last = messages[messages.length - 1];
    if (this.trackEntries && last !== undefined) state.unackedEntries.push(last.messageId);
  }

  /**
   * Emits messages `from` to `to` (exclusive) of an entry; the position moves to message `to - 1`.
   * Entries are decoded here, right before their messages are emitted (see `PulsarSplitReader`).
   */
  protected emitMessages(
    entry: readonly ConsumerMessage[],
    from: number,
    to: number,
    output: SourceOutput<T>,
    state: PulsarSplitState,
  ): void {
    if (to <= from) return;
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const message = entry[i] as ConsumerMessage;
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
    state.lastEmitted = (entry[to - 1] as ConsumerMessage).messageId;
  }
}

/**
 * Exclusive and Failover: the position is a message id with its batch index, so the reader counts
 * messages against `maxRecordsPerPoll` and may stop inside a batch entry (a producer's default
 * batch holds up to 1,000 messages: emitted whole, one poll could emit up to `maxRecordsPerPoll`
 * × 1,000 records and hold the subtask's loop, and with it checkpoints, for seconds). A restore
 * seeks to the entry and the split reader drops its messages up to the checkpointed one; the
 * cumulative ack of a half-emitted entry acks up to the entry before it.
 */
export class PulsarMessageRangeEmitter<T>
  extends PulsarRecordEmitter<T>
  implements BatchRecordEmitter<PulsarEntry, T, PulsarSplitState>
{
  constructor(
    deserializer: PulsarMessageDeserializer<T>,
    metrics: SourceReaderMetricGroup,
    onError: 'fail' | 'skip',
    logger: Logger,
  ) {
    super(deserializer, metrics, onError, false, logger);
  }

  /** The entry being emitted and its decoded messages: one entry's worth held, here, not on the entry. */
  private current: PulsarEntry | undefined;
  private currentMessages: readonly ConsumerMessage[] = [];

  private messagesOf(entry: PulsarEntry): readonly ConsumerMessage[] {
    if (entry !== this.current) {
      this.currentMessages = entry.messages();
      this.current = entry;
    }
    return this.currentMessages;
  }

  recordCount(entry: PulsarEntry): number {
    return this.messagesOf(entry).length;
  }

  emitRecords(
    entry: PulsarEntry,
    from: number,
    to: number,
    output: SourceOutput<T>,
    state: PulsarSplitState,
  ): void {
    this.emitMessages(this.messagesOf(entry), from, to, output, state);
  }
}
