import { type DeserializationSchema, type SerializationSchema, TributaryError } from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaHeaders, KafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { type KafkaRecordDeserializer, prepareKeysAndValues } from '../source/kafka-record-deserializer.js';

/**
 * One change of a keyed table, as carried by a compacted topic (Flink's `upsert-kafka`): the
 * message key is the primary key, a value is the new row, a tombstone (`null` value) deletes it.
 */
export type UpsertRecord<K, V> =
  | { readonly kind: 'upsert'; readonly key: K; readonly value: V }
  | { readonly kind: 'delete'; readonly key: K };

/** Parts of {@link upsertKafkaRecordSerializer}. */
export interface UpsertSerializerSpec<K, V> {
  readonly topic: string;
  readonly key: SerializationSchema<K>;
  readonly value: SerializationSchema<V>;
  readonly headers?: (record: UpsertRecord<K, V>) => KafkaHeaders | undefined;
}

/**
 * Writes a changelog to a compacted topic: upserts as key + value, deletes as tombstones. The
 * default (murmur2 key) partitioner keeps every change of a key in one partition, in order, which
 * is what compaction and readers rely on — do not combine with another partitioner.
 */
export function upsertKafkaRecordSerializer<K, V>(
  spec: UpsertSerializerSpec<K, V>,
): KafkaRecordSerializer<UpsertRecord<K, V>> {
  return {
    serialize(record, timestamp) {
      const key = spec.key.serialize(record.key);
      const headers = spec.headers?.(record);
      return {
        topic: spec.topic,
        key,
        value: record.kind === 'delete' ? null : spec.value.serialize(record.value),
        ...(headers === undefined ? {} : { headers }),
        ...(timestamp === undefined ? {} : { timestamp }),
      };
    },
  };
}

/**
 * Reads a compacted topic as a changelog: a record with a value is an upsert of its key, a
 * tombstone a delete. A record without a key cannot belong to a table and fails (or is skipped,
 * with `onDeserializationError: 'skip'`).
 */
export function upsertKafkaRecordDeserializer<K, V>(schemas: {
  readonly key: DeserializationSchema<K>;
  readonly value: DeserializationSchema<V>;
}): KafkaRecordDeserializer<UpsertRecord<K, V>> {
  const deserializer: KafkaRecordDeserializer<UpsertRecord<K, V>> = {
    deserialize(record) {
      const origin = { topic: record.topic, partition: record.partition, offset: record.offset };
      if (record.key === null) {
        throw new TributaryError(
          KafkaErrorCodes.DESERIALIZATION_FAILED,
          'An upsert topic record has no key (the key is the primary key)',
          { context: origin },
        );
      }
      const key = schemas.key.deserialize(record.key, origin);
      if (record.value === null) return { kind: 'delete', key };
      return { kind: 'upsert', key, value: schemas.value.deserialize(record.value, origin) };
    },
  };
  // Registry formats (e.g. Confluent Avro keys) load their schemas per fetch, before deserialize.
  if (schemas.key.prepare !== undefined || schemas.value.prepare !== undefined)
    deserializer.prepare = (records) => prepareKeysAndValues(schemas, records);
  return deserializer;
}
