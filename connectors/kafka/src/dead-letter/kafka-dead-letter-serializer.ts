import { TributaryError } from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaHeaders, KafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { isKafkaDeadLetter, type KafkaDeadLetter } from './kafka-dead-letter.js';

/** Headers added to a dead letter's original ones (Kafka Connect's DLQ context headers, our names). */
export const DEAD_LETTER_HEADERS = {
  topic: 'tributary.source.topic',
  partition: 'tributary.source.partition',
  offset: 'tributary.source.offset',
  errorCode: 'tributary.error.code',
  errorMessage: 'tributary.error.message',
} as const;

/**
 * Writes dead letters to a dead-letter topic as they were read — same key, value, timestamp and
 * headers — plus headers naming the source record and the error ({@link DEAD_LETTER_HEADERS}).
 * Typed for the record type of a `RoutingSink` route (`T | KafkaDeadLetter`); anything but a
 * dead letter routed here fails with `TRIB_KAFKA_SERIALIZATION_FAILED`.
 */
export function kafkaDeadLetterSerializer<T = never>(options: {
  readonly topic: string;
}): KafkaRecordSerializer<T | KafkaDeadLetter> {
  return {
    serialize(record) {
      if (!isKafkaDeadLetter(record)) {
        throw new TributaryError(
          KafkaErrorCodes.SERIALIZATION_FAILED,
          `A record that is not a Kafka dead letter was routed to the dead-letter topic '${options.topic}'`,
          { context: { topic: options.topic } },
        );
      }
      const headers: KafkaHeaders = {
        ...record.headers,
        [DEAD_LETTER_HEADERS.topic]: record.topic,
        [DEAD_LETTER_HEADERS.partition]: String(record.partition),
        [DEAD_LETTER_HEADERS.offset]: String(record.offset),
        [DEAD_LETTER_HEADERS.errorCode]: record.error.code,
        [DEAD_LETTER_HEADERS.errorMessage]: record.error.message,
      };
      return {
        topic: options.topic,
        key: record.key,
        value: record.value,
        timestamp: record.timestamp,
        headers,
      };
    },
  };
}
