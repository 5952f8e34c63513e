import { Buffer } from 'node:buffer';
import { CoreErrorCodes, recordInvalidError, TributaryError } from '@tributary/core';
import avro from 'avsc';
import type { AvroSchema } from './avro-format-options.js';

/** An avsc type (schema compiled for encoding and decoding). */
export type AvroType = avro.Type;

/** A writer → reader schema resolver (Avro schema evolution). */
export type AvroResolver = ReturnType<avro.Type['createResolver']>;

/** Longs as bigint: Avro longs are 64-bit, JS numbers are exact only to 2^53. */
const BigIntLongType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (json: unknown) => BigInt(json as string | number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/**
 * Longs as numbers, exact over the whole safe-integer range. avsc's built-in long type zig-zags
 * with float arithmetic (`-n * 2 - 1`), which silently corrupts negative values below -2^52; this
 * type encodes the varint itself (`noUnpack`), exactly, and refuses to decode values beyond ±2^53.
 */
const NumberLongType = avro.types.LongType.__with(
  {
    fromBuffer: (buf: Buffer) => {
      if (buf.length <= 7) {
        // Up to 49 bits: float arithmetic is exact.
        let z = 0;
        for (let i = buf.length - 1; i >= 0; i--) z = z * 128 + ((buf[i] as number) & 0x7f);
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      let n = 0n;
      for (let i = buf.length - 1; i >= 0; i--) n = (n << 7n) | BigInt((buf[i] as number) & 0x7f);
      const value = n & 1n ? -((n + 1n) >> 1n) : n >> 1n;
      if (value > 9007199254740991n || value < -9007199254740991n) {
        throw new Error("long value beyond ±2^53; use longs: 'bigint'");
      }
      return Number(value);
    },
    toBuffer: (n: number) => {
      const out: number[] = [];
      if (n <= 2 ** 52 && n >= -(2 ** 52)) {
        // 2|n| + 1 stays within 2^53 here, so float arithmetic is exact.
        let z = n >= 0 ? n * 2 : -n * 2 - 1;
        while (z >= 0x80) {
          out.push((z % 0x80) | 0x80);
          z = Math.floor(z / 0x80);
        }
        out.push(z);
        return Buffer.from(out);
      }
      let z = n >= 0 ? BigInt(n) << 1n : (-BigInt(n) << 1n) - 1n;
      while (z >= 0x80n) {
        out.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      out.push(Number(z));
      return Buffer.from(out);
    },
    fromJSON: (json: unknown) => Number(json),
    toJSON: (n: number) => n,
    isValid: (n: unknown) => Number.isSafeInteger(n),
    compare: (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1),
  },
  true,
);

/**
 * Compiles a schema. Records decode to plain-shaped objects (`omitRecordMethods`), longs to numbers
 * or bigints. An invalid schema is a configuration error (`TRIB_INVALID_OPTIONS`).
 */
export function compileAvroSchema(schema: AvroSchema, longs: 'number' | 'bigint'): AvroType {
  let parsed: unknown = schema;
  try {
    if (typeof schema === 'string') parsed = schema.trimStart().match(/^[[{"]/) ? JSON.parse(schema) : schema;
    return avro.Type.forSchema(parsed as avro.Schema, {
      omitRecordMethods: true,
      registry: { long: longs === 'bigint' ? BigIntLongType : NumberLongType },
    });
  } catch (error) {
    throw new TributaryError(
      CoreErrorCodes.INVALID_OPTIONS,
      `Invalid Avro schema: ${error instanceof Error ? error.message : String(error)}`,
      { context: { component: 'format.avro', key: 'schema' } },
    );
  }
}

/**
 * The `TRIB_RECORD_INVALID` error for a value that does not match `type`. avsc's own message prints
 * the whole value (it may hold secrets), so the error is rebuilt from the failing field paths.
 */
export function invalidValueError(type: AvroType, value: unknown, what: string): TributaryError {
  const paths: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[]) => {
      if (paths.length < 3) paths.push(path.join('.'));
    },
  });
  const field = paths.length > 0 && paths[0] !== '' ? paths.join(', ') : undefined;
  return recordInvalidError(
    `${what} does not match the Avro schema ${type.name ?? type.typeName}${field === undefined ? '' : ` (field ${field})`}`,
    field === undefined ? {} : { field },
  );
}

/** Wraps bytes as a Buffer without copying (avsc reads Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
