import type { DeserializationSchema, RecordOrigin } from '@tributary/core';

/**
 * A Kafka message with its metadata, as the source read it. Buffers are views, not copies: they
 * point into the whole fetch response (up to `fetchMaxBytes`, or a whole decompressed batch), so
 * a deserializer that keeps one instead of decoding it pins that memory for as long as it is
 * kept. Keep copies ({@link copyRecordBytes}, {@link copyRecordHeaders}); the built-in
 * deserializers do.
 */
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

/** What {@link KafkaRecordDeserializer.prepare} sees of each fetched record: its key and value bytes. */
export type KafkaRecordBytes = Pick<KafkaConsumerRecord, 'key' | 'value'>;

/**
 * Turns a consumed Kafka record into the source's output. Return `undefined` to drop a record
 * (it still advances the position). Called per record on the reader's hot path.
 */
export interface KafkaRecordDeserializer<T> {
  deserialize(record: KafkaConsumerRecord): T | undefined;
  /**
   * Optional asynchronous preparation of a fetched batch: the source's fetch loop awaits it once
   * per fetch, with every record of the fetch (all partitions), before any of them reaches
   * {@link deserialize}. Forward it to `DeserializationSchema.prepare` of the schemas you use, so
   * a schema-registry format can load the writer schemas the batch refers to. Must be idempotent
   * (a batch dropped by a wake-up is fetched and prepared again) and cheap when nothing is new.
   *
   * Failures are classified by `retriable` (`isRetriable` anywhere in the `cause` chain): transient
   * ones are retried like fetches and then fail the source; see the Kafka docs, "Schema registry".
   */
  prepare?(records: readonly KafkaRecordBytes[]): Promise<void>;
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

/** A copy of record bytes that does not keep the fetch response alive (null stays null). */
export function copyRecordBytes(bytes: Buffer | null): Buffer | null {
  return bytes === null ? null : Buffer.from(bytes);
}

/** Copies of a record's header values (see {@link copyRecordBytes}). */
export function copyRecordHeaders(
  headers: KafkaConsumerRecord['headers'],
): Record<string, Buffer | Buffer[]> {
  const copy: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    copy[name] = Array.isArray(value) ? value.map((v) => Buffer.from(v)) : Buffer.from(value);
  }
  return copy;
}

function origin(record: KafkaConsumerRecord): RecordOrigin {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

/**
 * Calls `prepare` of the key and the value schema (those that have one) with the batch's non-null
 * keys and values respectively, concurrently. Resolves at once when neither schema needs it.
 * For deserializers built on {@link DeserializationSchema}s, e.g. as their
 * {@link KafkaRecordDeserializer.prepare}.
 */
export async function prepareKeysAndValues(
  schemas: {
    readonly key?: DeserializationSchema<unknown> | undefined;
    readonly value?: DeserializationSchema<unknown> | undefined;
  },
  records: readonly KafkaRecordBytes[],
): Promise<void> {
  const keySchema = schemas.key?.prepare === undefined ? undefined : schemas.key;
  const valueSchema = schemas.value?.prepare === undefined ? undefined : schemas.value;
  if (keySchema === undefined && valueSchema === undefined) return;
  const keys: Buffer[] = [];
  const values: Buffer[] = [];
  for (const record of records) {
    if (keySchema !== undefined && record.key !== null) keys.push(record.key);
    if (valueSchema !== undefined && record.value !== null) values.push(record.value);
  }
  await Promise.all([
    keys.length > 0 ? keySchema?.prepare?.(keys) : undefined,
    values.length > 0 ? valueSchema?.prepare?.(values) : undefined,
  ]);
}

/** Where {@link valueOnly} keeps its value schema, for {@link valueSchemaOf}. */
const VALUE_SCHEMA = Symbol('tributary.kafka.valueOnly');

/**
 * The value schema of a {@link valueOnly} deserializer, else `undefined`. The emitter then
 * calls the schema with the message's value directly — the same result without a
 * {@link KafkaConsumerRecord} per record (the source's hot path).
 * @internal
 */
export function valueSchemaOf<T>(
  deserializer: KafkaRecordDeserializer<T>,
): DeserializationSchema<T> | undefined {
  return (deserializer as { [VALUE_SCHEMA]?: DeserializationSchema<T> })[VALUE_SCHEMA];
}

/** Emits only the deserialized value; tombstones are dropped. */
export function valueOnly<V>(value: DeserializationSchema<V>): KafkaRecordDeserializer<V> {
  const deserializer: KafkaRecordDeserializer<V> = {
    deserialize: (record) =>
      record.value === null ? undefined : value.deserialize(record.value, origin(record)),
  };
  Object.defineProperty(deserializer, VALUE_SCHEMA, { value, enumerable: false });
  // Only schemas that need it get a prepare: the fetch loop skips the await otherwise.
  if (value.prepare !== undefined)
    deserializer.prepare = (records) => prepareKeysAndValues({ value }, records);
  return deserializer;
}

/**
 * Emits {@link KafkaMessage}s: key and value through their schemas (raw `Buffer`s without one),
 * headers and metadata. Raw keys, values and headers are copies, so messages a job keeps (windows,
 * state, batches waiting for a sink) do not pin the fetch responses they came from.
 */
export function kafkaMessageDeserializer<K = Buffer, V = Buffer>(
  schemas: { readonly key?: DeserializationSchema<K>; readonly value?: DeserializationSchema<V> } = {},
): KafkaRecordDeserializer<KafkaMessage<K, V>> {
  const { key, value } = schemas;
  const deserializer: KafkaRecordDeserializer<KafkaMessage<K, V>> = {
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
              : (copyRecordBytes(record.key) as unknown as K),
        value:
          record.value === null
            ? null
            : value
              ? value.deserialize(record.value, where)
              : (copyRecordBytes(record.value) as unknown as V),
        headers: hasHeaders(record.headers) ? copyRecordHeaders(record.headers) : record.headers,
      };
    },
  };
  if (key?.prepare !== undefined || value?.prepare !== undefined)
    deserializer.prepare = (records) => prepareKeysAndValues({ key, value }, records);
  return deserializer;
}

function hasHeaders(headers: KafkaConsumerRecord['headers']): boolean {
  for (const _ in headers) return true;
  return false;
}

/** The UTF-8 text of a message (a `DeserializationSchema<string>`). */
export const utf8Schema: DeserializationSchema<string> = {
  deserialize: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
};
