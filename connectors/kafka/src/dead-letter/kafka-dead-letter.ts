import { toError } from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { isTransient, prepareEachRecord } from '../source/kafka-batch-preparer.js';
import {
  copyRecordBytes,
  copyRecordHeaders,
  type KafkaConsumerRecord,
  type KafkaRecordDeserializer,
} from '../source/kafka-record-deserializer.js';

/**
 * A Kafka record the source could not deserialize, kept whole for a dead-letter destination:
 * the original bytes and headers (copies), where it came from, and why it failed.
 */
export interface KafkaDeadLetter
  extends Pick<KafkaConsumerRecord, 'topic' | 'partition' | 'offset' | 'timestamp' | 'key' | 'value'> {
  readonly kind: 'kafka-dead-letter';
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>>;
  /** The deserializer's error: its `code` when it is a TributaryError, and its message. */
  readonly error: { readonly code: string; readonly message: string };
}

/** True for the dead letters {@link withDeadLetters} emits (e.g. to route them with a `RoutingSink`). */
export function isKafkaDeadLetter(value: unknown): value is KafkaDeadLetter {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'kafka-dead-letter'
  );
}

/**
 * Wraps a record deserializer so a record it cannot deserialize becomes a {@link KafkaDeadLetter}
 * in the stream instead of failing the job (`onDeserializationError: 'fail'`) or vanishing
 * (`'skip'`). Route dead letters with a `RoutingSink` (e.g. to a dead-letter topic with
 * `kafkaDeadLetterSerializer`): they then share the job's delivery guarantee — exactly once, with
 * an exactly-once sink. The source counts them in `numRecordsInErrors`.
 *
 * `prepare` failures keep their rules: a transient one (schema registry down) still fails the
 * fetch, since the records are fine; a permanent one (unknown schema id) is narrowed down record
 * by record, and only the records that cannot be prepared become dead letters.
 */
export function withDeadLetters<T>(
  inner: KafkaRecordDeserializer<T>,
): KafkaRecordDeserializer<T | KafkaDeadLetter> {
  const deserializer: KafkaRecordDeserializer<T | KafkaDeadLetter> = {
    deserialize(record) {
      try {
        return inner.deserialize(record);
      } catch (cause) {
        return deadLetterOf(record, cause);
      }
    },
  };
  const prepare = inner.prepare?.bind(inner);
  if (prepare !== undefined) {
    deserializer.prepare = async (records) => {
      try {
        await prepare(records);
      } catch (error) {
        if (isTransient(error)) throw error;
        // Records left unprepared fail in deserialize and become dead letters.
        await prepareEachRecord(records, (record) => prepare([record]));
      }
    };
  }
  return deserializer;
}

function deadLetterOf(record: KafkaConsumerRecord, cause: unknown): KafkaDeadLetter {
  const code = (cause as { code?: unknown }).code;
  return {
    kind: 'kafka-dead-letter',
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    // Copies: the record's buffers are views into the whole fetch response.
    key: copyRecordBytes(record.key),
    value: copyRecordBytes(record.value),
    headers: copyRecordHeaders(record.headers),
    error: {
      code: typeof code === 'string' ? code : KafkaErrorCodes.DESERIALIZATION_FAILED,
      message: toError(cause).message,
    },
  };
}
