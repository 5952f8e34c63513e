import { randomUUID } from 'node:crypto';
import { type SerializationSchema, TributaryError, toError } from '@tributary/core';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';
import type { KinesisPutEntry } from './kinesis-put-entry.js';

/** Kinesis accepts partition keys of 1–256 Unicode characters. */
const MAX_PARTITION_KEY_CHARS = 256;
/** An explicit hash key is a decimal in [0, 2^128). */
const MAX_HASH_KEY = (1n << 128n) - 1n;

/**
 * How the partition key (and with it the shard) of a record is chosen:
 * `'random'` spreads records evenly (no per-key order), `{ field }` takes a top-level field of
 * the record (stringified), a function computes it.
 */
export type KinesisPartitionKeySpec<T> = 'random' | { readonly field: string } | ((record: T) => string);

/** What {@link kinesisRecordSerializer} is built from. */
export interface KinesisRecordSerializerSpec<T> {
  /** The record's bytes (a format's serialization schema). */
  readonly value: SerializationSchema<T>;
  /** Default `'random'`. */
  readonly partitionKey?: KinesisPartitionKeySpec<T>;
  /** A decimal 128-bit hash key that routes the record to the shard owning it; `undefined` uses the partition key. */
  readonly explicitHashKey?: (record: T) => string | undefined;
}

/** Turns one record into a PutRecords entry. Throws `TRIB_KINESIS_SERIALIZATION_FAILED` naming the record. */
export type KinesisRecordSerializer<T> = (record: T, recordIndex: number) => KinesisPutEntry;

/** Builds the sink's record serializer from a value schema and a partition key generator. */
export function kinesisRecordSerializer<T>(spec: KinesisRecordSerializerSpec<T>): KinesisRecordSerializer<T> {
  const keyOf = partitionKeyFunction(spec.partitionKey ?? 'random');
  const hashKeyOf = spec.explicitHashKey;
  return (record, recordIndex) => {
    let data: Uint8Array;
    let partitionKey: string;
    let explicitHashKey: string | undefined;
    try {
      data = spec.value.serialize(record);
      partitionKey = keyOf(record);
      explicitHashKey = hashKeyOf?.(record);
    } catch (cause) {
      throw serializationError(
        `record ${recordIndex} could not be serialized: ${toError(cause).message}`,
        recordIndex,
        cause,
      );
    }
    if (
      typeof partitionKey !== 'string' ||
      partitionKey.length === 0 ||
      [...partitionKey].length > MAX_PARTITION_KEY_CHARS
    ) {
      throw serializationError(
        `record ${recordIndex} has partition key ${describeValue(partitionKey)}: Kinesis needs a string of 1–${MAX_PARTITION_KEY_CHARS} characters`,
        recordIndex,
      );
    }
    if (explicitHashKey !== undefined && !isHashKey(explicitHashKey)) {
      throw serializationError(
        `record ${recordIndex} has explicit hash key ${describeValue(explicitHashKey)}: Kinesis needs a decimal integer in [0, 2^128)`,
        recordIndex,
      );
    }
    return explicitHashKey === undefined ? { data, partitionKey } : { data, partitionKey, explicitHashKey };
  };
}

function partitionKeyFunction<T>(spec: KinesisPartitionKeySpec<T>): (record: T) => string {
  if (spec === 'random') return () => randomUUID();
  if (typeof spec === 'function') return spec;
  const field = spec.field;
  return (record) => {
    const value = (record as Record<string, unknown> | null | undefined)?.[field];
    if (value === undefined || value === null) throw new Error(`partition key field '${field}' is missing`);
    return typeof value === 'string'
      ? value
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  };
}

function isHashKey(value: string): boolean {
  if (!/^\d{1,39}$/.test(value)) return false;
  return BigInt(value) <= MAX_HASH_KEY;
}

function serializationError(message: string, recordIndex: number, cause?: unknown): TributaryError {
  return new TributaryError(KinesisErrorCodes.SERIALIZATION_FAILED, `Kinesis sink: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { recordIndex },
  });
}

/** A bad key for an error message: quoted, cut after 40 characters (keys can be huge by mistake). */
function describeValue(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return value.length <= 40
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`;
}
