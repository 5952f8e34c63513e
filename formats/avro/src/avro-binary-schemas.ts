import {
  type DeserializationSchema,
  InvalidOptionsError,
  type RecordOrigin,
  recordInvalidError,
  type SerializationSchema,
} from '@tributary/core';
import { type AvroFormatConfig, AvroFormatOptions } from './avro-format-options.js';
import {
  type AvroResolver,
  type AvroType,
  asBuffer,
  compileAvroSchema,
  invalidValueError,
} from './avro-types.js';

/** Encodes values as Avro binary (no header, no schema id) with the configured `schema`. */
export class AvroSerializationSchema<T = unknown> implements SerializationSchema<T> {
  private readonly type: AvroType;

  constructor(options: AvroFormatConfig) {
    const resolved = AvroFormatOptions.parse(options);
    if (resolved.schema === undefined) throw missingSchema('to serialize');
    this.type = compileAvroSchema(resolved.schema, resolved);
  }

  serialize(value: T): Uint8Array {
    try {
      return this.type.toBuffer(value);
    } catch {
      throw invalidValueError(this.type, value, 'Record');
    }
  }
}

/**
 * Decodes Avro binary messages written with `writerSchema` (default: `schema`), resolving them to
 * `schema` (Avro schema evolution). Truncated or trailing bytes are `TRIB_RECORD_INVALID`.
 */
export class AvroDeserializationSchema<T = unknown> implements DeserializationSchema<T> {
  private readonly type: AvroType;
  private readonly resolver: AvroResolver | undefined;

  constructor(options: AvroFormatConfig) {
    const resolved = AvroFormatOptions.parse(options);
    if (resolved.schema === undefined) throw missingSchema('to deserialize plain Avro binary');
    this.type = compileAvroSchema(resolved.schema, resolved);
    if (resolved.writerSchema !== undefined) {
      this.resolver = this.type.createResolver(compileAvroSchema(resolved.writerSchema, resolved));
    }
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): T {
    return decodeWhole(this.type, asBuffer(bytes), 0, this.resolver, origin) as T;
  }
}

/** Decodes exactly one value filling `buf[from..]`; shared with the Confluent schema. */
export function decodeWhole(
  type: AvroType,
  buf: Buffer,
  from: number,
  resolver: AvroResolver | undefined,
  origin: RecordOrigin | undefined,
): unknown {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = type.decode(buf, from, resolver);
  } catch (error) {
    throw recordInvalidError(`Invalid Avro message: ${reasonOf(error)}`, { origin });
  }
  if (decoded.offset === -1) throw recordInvalidError('Invalid Avro message: it is truncated', { origin });
  if (decoded.offset !== buf.length) {
    throw recordInvalidError(
      `Invalid Avro message: ${buf.length - decoded.offset} bytes left after the record`,
      {
        origin,
      },
    );
  }
  return decoded.value;
}

/** A decode failure reason; avsc's decode errors name types and indices, not values. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 120 ? `${message.slice(0, 120)}…` : message;
}

/** The options error for a schema that must be given. */
export function missingSchema(purpose: string): InvalidOptionsError {
  return new InvalidOptionsError('format.avro', [
    { key: 'format.avro.schema', message: `is required ${purpose}` },
  ]);
}
