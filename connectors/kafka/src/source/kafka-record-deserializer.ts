import type { DeserializationSchema, RecordOrigin } from '@tributary/core';

/** A Kafka message with its metadata, as the source read it. Buffers are views, not copies. */
export interface KafkaConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Record timestamp (create or log-append time), ms since the epoch. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[] | undefined>>;
}

/**
 * Turns a consumed Kafka record into the source's output. Return `undefined` to drop a record
 * (it still advances the position). Called per record on the reader's hot path.
 */
export interface KafkaRecordDeserializer<T> {
  deserialize(record: KafkaConsumerRecord): T | undefined;
}

/** A message with its deserialized key and value and its metadata. */
export interface KafkaMessage<K, V> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: K | null;
  /** `null` for a tombstone. */
  readonly value: V | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[] | undefined>>;
}

function origin(record: KafkaConsumerRecord): RecordOrigin {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

/** Emits only the deserialized value; tombstones are dropped. */
export function valueOnly<V>(value: DeserializationSchema<V>): KafkaRecordDeserializer<V> {
  return {
    deserialize: (record) =>
      record.value === null ? undefined : value.deserialize(record.value, origin(record)),
  };
}

/**
 * Emits {@link KafkaMessage}s: key and value through their schemas (raw `Buffer`s without one),
 * headers and metadata as they are.
 */
export function kafkaMessageDeserializer<K = Buffer, V = Buffer>(
  schemas: { readonly key?: DeserializationSchema<K>; readonly value?: DeserializationSchema<V> } = {},
): KafkaRecordDeserializer<KafkaMessage<K, V>> {
  const { key, value } = schemas;
  return {
    deserialize(record) {
      const where = origin(record);
      return {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key:
          record.key === null
            ? null
            : key
              ? key.deserialize(record.key, where)
              : (record.key as unknown as K),
        value:
          record.value === null
            ? null
            : value
              ? value.deserialize(record.value, where)
              : (record.value as unknown as V),
        headers: record.headers,
      };
    },
  };
}

/** The UTF-8 text of a message (a `DeserializationSchema<string>`). */
export const utf8Schema: DeserializationSchema<string> = {
  deserialize: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
};
