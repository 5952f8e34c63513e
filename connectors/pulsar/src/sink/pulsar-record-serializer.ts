import type { SerializationSchema } from '@tributary/core';

/** One message to send. */
export interface PulsarSinkMessage {
  readonly topic: string;
  /** The payload; text is UTF-8 encoded. */
  readonly value: Uint8Array | string;
  /** The message key: drives key-hash routing, Key_Shared dispatch and compaction. */
  readonly key?: string;
  readonly properties?: Readonly<Record<string, string>>;
  /** Event time (ms since the epoch). */
  readonly eventTime?: number;
  /** Deliver no earlier than this time (ms since the epoch; Shared / Key_Shared readers only). */
  readonly deliverAt?: number;
  /** An explicit partition; wins over the router. */
  readonly partition?: number;
}

/** What a serializer and a router know about the writer. */
export interface PulsarSinkContext {
  readonly subtaskId: number;
  readonly parallelism: number;
}

/**
 * Chooses the partition of a message without an explicit one. `partitionCount` is the topic's
 * number of partitions (at least 1; a non-partitioned topic counts as one).
 */
export type PulsarRouterFunction<T> = (
  record: T,
  message: PulsarSinkMessage,
  partitionCount: number,
  context: PulsarSinkContext,
) => number;

/**
 * Built-in routers:
 * - `key-hash` (default): murmur3 of the key modulo the partitions, as the Java client (same key →
 *   same partition as Java producers, so per-key order holds); messages without a key round-robin;
 * - `round-robin`: spreads messages evenly regardless of the key.
 */
export type PulsarRouter<T> = 'key-hash' | 'round-robin' | PulsarRouterFunction<T>;

/** Turns a record into a Pulsar message. Called per record on the writer's hot path. */
export interface PulsarRecordSerializer<T> {
  /** `eventTime` is the record's event timestamp when the source attached one. */
  serialize(record: T, eventTime: number | undefined, context: PulsarSinkContext): PulsarSinkMessage;
  /** Defaults to `key-hash`. */
  readonly router?: PulsarRouter<T>;
}

/** Parts of {@link pulsarRecordSerializer}. */
export interface PulsarRecordSerializerSpec<T> {
  /** A fixed topic or a topic per record (`persistent://tenant/ns/topic` or a short name). */
  readonly topic: string | ((record: T) => string);
  readonly value: SerializationSchema<T> | ((record: T) => Uint8Array | string);
  readonly key?: (record: T) => string | undefined;
  readonly properties?: (record: T) => Readonly<Record<string, string>> | undefined;
  /**
   * `event-time` (default): the record's event timestamp when it has one; `none`: no event time;
   * or a function of the record and its event time.
   */
  readonly eventTime?:
    | 'event-time'
    | 'none'
    | ((record: T, eventTime: number | undefined) => number | undefined);
  /** Delayed delivery: a fixed delay (ms) from the send, or an absolute time per record. */
  readonly deliverAfterMs?: number;
  readonly deliverAt?: (record: T) => number | undefined;
  readonly router?: PulsarRouter<T>;
}

/**
 * Builds a {@link PulsarRecordSerializer} from its parts, e.g.
 * `pulsarRecordSerializer({ topic: 'orders', key: (o) => o.id, value: (o) => JSON.stringify(o) })`.
 */
export function pulsarRecordSerializer<T>(spec: PulsarRecordSerializerSpec<T>): PulsarRecordSerializer<T> {
  const topicOf = typeof spec.topic === 'string' ? constant<T>(spec.topic) : spec.topic;
  const serializeValue =
    typeof spec.value === 'function'
      ? spec.value
      : (spec.value.serialize.bind(spec.value) as (r: T) => Uint8Array);
  const { key, properties, deliverAfterMs, deliverAt } = spec;
  const eventTimeMode = spec.eventTime ?? 'event-time';
  if (deliverAfterMs !== undefined && deliverAt !== undefined) {
    throw new TypeError('pulsarRecordSerializer: set deliverAfterMs or deliverAt, not both');
  }
  return {
    ...(spec.router === undefined ? {} : { router: spec.router }),
    serialize(record: T, recordTime: number | undefined): PulsarSinkMessage {
      const k = key?.(record);
      const props = properties?.(record);
      const eventTime =
        eventTimeMode === 'event-time'
          ? recordTime
          : eventTimeMode === 'none'
            ? undefined
            : eventTimeMode(record, recordTime);
      const at = deliverAfterMs !== undefined ? Date.now() + deliverAfterMs : deliverAt?.(record);
      return {
        topic: topicOf(record),
        value: serializeValue(record),
        ...(k === undefined ? {} : { key: k }),
        ...(props === undefined ? {} : { properties: props }),
        ...(eventTime === undefined ? {} : { eventTime }),
        ...(at === undefined ? {} : { deliverAt: at }),
      };
    },
  };
}

function constant<T>(value: string): (record: T) => string {
  return () => value;
}
