import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * Turns a value into bytes and back, with a version so that state written by an older release
 * can still be read (the version is stored beside the bytes in checkpoints and messages).
 */
export interface VersionedSerializer<T> {
  /** The version `serialize` writes. Bump it when the byte layout changes. */
  readonly version: number;
  serialize(value: T): Uint8Array;
  /** Must read every version it ever wrote, or throw a `TRIB_SERIALIZER_VERSION` error. */
  deserialize(version: number, bytes: Uint8Array): T;
}

/** Bytes plus the version that wrote them: how serialized state travels and is stored. */
export interface VersionedBytes {
  readonly version: number;
  readonly bytes: Uint8Array;
}

export function serializeVersioned<T>(serializer: VersionedSerializer<T>, value: T): VersionedBytes {
  return { version: serializer.version, bytes: serializer.serialize(value) };
}

export function deserializeVersioned<T>(serializer: VersionedSerializer<T>, data: VersionedBytes): T {
  return serializer.deserialize(data.version, data.bytes);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface JsonSerializerOptions<T> {
  readonly version?: number;
  /** Converts a value into JSON-safe form (e.g. bigint → string). Default: identity. */
  readonly toJson?: (value: T) => unknown;
  /** Reads a JSON form written by `version` (older versions may need migration). */
  readonly fromJson?: (json: unknown, version: number) => T;
  /** Versions this serializer accepts; default: exactly `version`. */
  readonly readableVersions?: readonly number[];
  /** Name used in error messages, e.g. `KafkaPartitionSplit`. */
  readonly name?: string;
}

/**
 * A JSON-based serializer: readable state files, good enough for split and enumerator state
 * (small, not on the hot path). Connectors with large state may write a binary one.
 */
export function jsonSerializer<T>(options: JsonSerializerOptions<T> = {}): VersionedSerializer<T> {
  const version = options.version ?? 1;
  const readable = new Set(options.readableVersions ?? [version]);
  const name = options.name ?? 'value';
  return {
    version,
    serialize(value: T): Uint8Array {
      return encoder.encode(JSON.stringify(options.toJson ? options.toJson(value) : value));
    },
    deserialize(v: number, bytes: Uint8Array): T {
      if (!readable.has(v)) {
        throw new TributaryError(
          CoreErrorCodes.SERIALIZER_VERSION,
          `Cannot read ${name} serialized with version ${v}; this release reads versions ${[...readable].join(', ')}`,
          { context: { serializer: name, version: v } },
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(decoder.decode(bytes));
      } catch (cause) {
        throw new TributaryError(CoreErrorCodes.SERIALIZATION, `Corrupt ${name} bytes (version ${v})`, {
          cause,
          context: { serializer: name, version: v },
        });
      }
      return options.fromJson ? options.fromJson(json, v) : (json as T);
    },
  };
}
