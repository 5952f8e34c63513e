import type { SerializationSchema } from '@tributary/core';

/** Bytes or text (UTF-8 encoded on send). */
export type KafkaBytes = Uint8Array | string;

/** Header values: one value or several (Kafka allows repeated header keys). */
export type KafkaHeaders = Readonly<Record<string, KafkaBytes | readonly KafkaBytes[]>>;

/** One message to produce. */
export interface KafkaProducerRecord {
  readonly topic: string;
  /** `null` is a tombstone (a delete in a compacted topic). */
  readonly value: KafkaBytes | null;
  readonly key?: KafkaBytes | null;
  /** An explicit partition; wins over the partitioner. */
  readonly partition?: number;
  readonly headers?: KafkaHeaders;
  /** Record timestamp (ms since the epoch); the producer's clock when unset. */
  readonly timestamp?: number;
}

/** What a serializer and a partitioner know about the writer. */
export interface KafkaSinkContext {
  readonly subtaskId: number;
  readonly parallelism: number;
}

/**
 * Chooses a partition for a message without an explicit one. `partitionCount` is the topic's
 * current number of partitions (from metadata, refreshed every `metadataMaxAgeMs`).
 */
export type KafkaPartitionerFunction<T> = (
  record: T,
  message: KafkaProducerRecord,
  partitionCount: number,
  context: KafkaSinkContext,
) => number;

/**
 * Built-in partitioners:
 * - `default`: murmur2 of the key, as the Java client (same key → same partition as Java
 *   producers); records without a key are spread round-robin;
 * - `fixed`: every writer writes to one partition, `subtask % partitions` (Flink's
 *   `FlinkFixedPartitioner`: few connections, order per writer);
 * - `round-robin`: spreads records evenly regardless of the key.
 */
export type KafkaPartitioner<T> = 'default' | 'fixed' | 'round-robin' | KafkaPartitionerFunction<T>;

/** Turns a record into a Kafka message. Called per record on the writer's hot path. */
export interface KafkaRecordSerializer<T> {
  /** `timestamp` is the record's event time when the source attached one. */
  serialize(record: T, timestamp: number | undefined, context: KafkaSinkContext): KafkaProducerRecord;
  /** Defaults to `default`. */
  readonly partitioner?: KafkaPartitioner<T>;
}

/** A schema or a function producing bytes or text. */
export type KafkaFieldSerializer<T, R> = SerializationSchema<T> | ((record: T) => R);

/** Parts of {@link kafkaRecordSerializer}. */
export interface KafkaRecordSerializerSpec<T> {
  /** A fixed topic or a topic per record. */
  readonly topic: string | ((record: T) => string);
  /** The value; a function may return `null` for a tombstone. */
  readonly value: KafkaFieldSerializer<T, KafkaBytes | null>;
  /** The key (drives the default partitioner and compaction). */
  readonly key?: KafkaFieldSerializer<T, KafkaBytes | null | undefined>;
  readonly headers?: (record: T) => KafkaHeaders | undefined;
  /**
   * `event-time` (default): the record's event timestamp when it has one; `producer-time`: the
   * producer's clock; or a function of the record and its event time.
   */
  readonly timestamp?:
    | 'event-time'
    | 'producer-time'
    | ((record: T, eventTime: number | undefined) => number | undefined);
  readonly partitioner?: KafkaPartitioner<T>;
}

function fieldFn<T, R>(field: KafkaFieldSerializer<T, R>): (record: T) => R {
  if (typeof field === 'function') return field;
  return (record: T) => field.serialize(record) as R;
}

/**
 * Builds a {@link KafkaRecordSerializer} from its parts, e.g.
 * `kafkaRecordSerializer({ topic: 'orders', key: (o) => o.id, value: jsonSerializationSchema() })`.
 */
export function kafkaRecordSerializer<T>(spec: KafkaRecordSerializerSpec<T>): KafkaRecordSerializer<T> {
  const topicOf = typeof spec.topic === 'string' ? constant(spec.topic) : spec.topic;
  const serializeValue = fieldFn(spec.value);
  const keyOf = spec.key === undefined ? undefined : fieldFn(spec.key);
  const headersOf = spec.headers;
  const timestampMode = spec.timestamp ?? 'event-time';
  return {
    ...(spec.partitioner === undefined ? {} : { partitioner: spec.partitioner }),
    serialize(record: T, eventTime: number | undefined): KafkaProducerRecord {
      const key = keyOf?.(record);
      const headers = headersOf?.(record);
      const timestamp =
        timestampMode === 'event-time'
          ? eventTime
          : timestampMode === 'producer-time'
            ? undefined
            : timestampMode(record, eventTime);
      // Called per record: optional fields are set only when present, without spread temporaries.
      const message: Mutable<KafkaProducerRecord> = { topic: topicOf(record), value: serializeValue(record) };
      if (key !== undefined) message.key = key;
      if (headers !== undefined) message.headers = headers;
      if (timestamp !== undefined) message.timestamp = timestamp;
      return message;
    },
  };
}

type Mutable<R> = { -readonly [K in keyof R]: R[K] };

function constant<T>(value: string): (record: T) => string {
  return () => value;
}
