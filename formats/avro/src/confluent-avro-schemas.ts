import { Buffer } from 'node:buffer';
import {
  type DeserializationSchema,
  type RecordOrigin,
  recordInvalidError,
  retry,
  type SerializationSchema,
  TributaryError,
} from '@tributary/core';
import { decodeWhole, missingSchema } from './avro-binary-schemas.js';
import {
  type AvroFormatConfig,
  AvroFormatOptions,
  type ResolvedAvroFormatOptions,
} from './avro-format-options.js';
import {
  type AvroResolver,
  type AvroType,
  asBuffer,
  compileAvroSchema,
  invalidValueError,
} from './avro-types.js';
import { AvroErrorCodes, type SchemaRegistryClient } from './schema-registry.js';

/** Confluent wire format: magic byte 0, then the schema id as a 4-byte big-endian integer. */
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/** Options of the Confluent serializer: the format options plus the subject to register under. */
export interface ConfluentAvroSerializerConfig extends AvroFormatConfig {
  /** Registry subject, e.g. `orders-value` (TopicNameStrategy). */
  readonly subject: string;
}

/**
 * Serializes values in the Confluent Schema Registry wire format: `0x00`, the schema id (4 bytes,
 * big-endian), Avro binary. Create it with {@link ConfluentAvroSerializationSchema.create}, which
 * looks up (or registers) the schema id once, so `serialize` stays synchronous.
 */
export class ConfluentAvroSerializationSchema<T = unknown> implements SerializationSchema<T> {
  /** The schema id written in every message. */
  readonly schemaId: number;
  private readonly type: AvroType;

  private constructor(type: AvroType, schemaId: number) {
    this.type = type;
    this.schemaId = schemaId;
  }

  /** Resolves the id of `options.schema` under `options.subject` (registering it if needed). */
  static async create<T = unknown>(
    registry: SchemaRegistryClient,
    options: ConfluentAvroSerializerConfig,
  ): Promise<ConfluentAvroSerializationSchema<T>> {
    const { subject, ...formatOptions } = options;
    const resolved = AvroFormatOptions.parse(formatOptions);
    if (resolved.schema === undefined) throw missingSchema('to serialize');
    const schema = resolved.schema;
    const type = compileAvroSchema(schema, resolved);
    const id = await retry(() => registry.getIdForSchema(subject, schema), {
      operation: `Schema registry lookup of subject '${subject}'`,
      maxAttempts: 3,
    });
    return new ConfluentAvroSerializationSchema<T>(type, id);
  }

  serialize(value: T): Uint8Array {
    let body: Buffer;
    try {
      body = this.type.toBuffer(value);
    } catch {
      throw invalidValueError(this.type, value, 'Record');
    }
    const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    out[0] = MAGIC_BYTE;
    out.writeUInt32BE(this.schemaId, 1);
    body.copy(out, HEADER_BYTES);
    return out;
  }
}

interface LoadedSchema {
  readonly type: AvroType;
  readonly resolver: AvroResolver | undefined;
}

/**
 * Deserializes Confluent wire-format messages: reads the schema id, fetches that writer schema from
 * the registry, and resolves it to the reader `schema` when one is configured (schema evolution).
 *
 * `deserialize` is synchronous, so schemas are loaded by {@link prepare}, which connectors call once
 * per fetched batch (`DeserializationSchema.prepare`). Ids are cached for the schema's lifetime
 * (registry ids are immutable). A message whose id was not loaded throws `TRIB_AVRO_SCHEMA_NOT_LOADED`.
 */
export class ConfluentAvroDeserializationSchema<T = unknown> implements DeserializationSchema<T> {
  private readonly registry: SchemaRegistryClient;
  private readonly options: ResolvedAvroFormatOptions;
  private readonly readerType: AvroType | undefined;
  private readonly loaded = new Map<number, LoadedSchema>();
  /** Lookups in flight: readers sharing this schema that meet a new id together ask once. */
  private readonly loading = new Map<number, Promise<void>>();

  constructor(registry: SchemaRegistryClient, options: AvroFormatConfig = {}) {
    this.registry = registry;
    this.options = AvroFormatOptions.parse(options);
    this.readerType =
      this.options.schema === undefined ? undefined : compileAvroSchema(this.options.schema, this.options);
  }

  async prepare(messages: readonly Uint8Array[]): Promise<void> {
    const missing = new Set<number>();
    for (const message of messages) {
      const id = schemaIdOf(message);
      if (id !== undefined && !this.loaded.has(id)) missing.add(id);
    }
    await Promise.all([...missing].map((id) => this.loadOnce(id)));
  }

  private loadOnce(id: number): Promise<void> {
    let pending = this.loading.get(id);
    if (pending === undefined) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): T {
    const id = schemaIdOf(bytes);
    if (id === undefined) {
      throw recordInvalidError(
        bytes.length < HEADER_BYTES
          ? `Invalid Confluent Avro message: ${bytes.length} bytes, shorter than the 5-byte header`
          : `Invalid Confluent Avro message: magic byte is ${bytes[0]}, expected 0`,
        { origin },
      );
    }
    const schema = this.loaded.get(id);
    if (schema === undefined) {
      throw new TributaryError(
        AvroErrorCodes.SCHEMA_NOT_LOADED,
        `Schema id ${id} was not loaded; call prepare(messages) for the batch before deserialize`,
        { retriable: true, context: { schemaId: id, ...origin } },
      );
    }
    return decodeWhole(schema.type, asBuffer(bytes), HEADER_BYTES, schema.resolver, origin) as T;
  }

  private async load(id: number): Promise<void> {
    const writerSchema = await retry(() => this.registry.getSchemaById(id), {
      operation: `Schema registry lookup of id ${id}`,
      maxAttempts: 3,
    });
    const writerType = compileAvroSchema(writerSchema, this.options);
    const readerType = this.readerType;
    this.loaded.set(
      id,
      readerType === undefined || readerType.equals(writerType)
        ? { type: writerType, resolver: undefined }
        : { type: readerType, resolver: readerType.createResolver(writerType) },
    );
  }
}

/** The schema id of a wire-format message, or undefined when the header is missing or wrong. */
export function schemaIdOf(bytes: Uint8Array): number | undefined {
  if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) return undefined;
  return (
    (((bytes[1] as number) << 24) |
      ((bytes[2] as number) << 16) |
      ((bytes[3] as number) << 8) |
      (bytes[4] as number)) >>>
    0
  );
}
