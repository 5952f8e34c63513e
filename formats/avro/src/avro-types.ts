import { Buffer } from 'node:buffer';
import {
  CoreErrorCodes,
  type DecimalsMode,
  decimalValue,
  recordInvalidError,
  TributaryError,
  toUnscaledDecimal,
  unscaledFromBytes,
  unscaledToBytes,
} from '@tributary/core';
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

/** The options that decide which JS value an Avro value becomes. */
export interface AvroValueOptions {
  readonly longs: 'number' | 'bigint';
  readonly decimals: DecimalsMode;
}

/**
 * A long type for a long written as an object (`{"type": "long", "logicalType": ...}`): avsc builds
 * those with its own long type, bypassing the registry, so they would escape `longs`. The
 * attributes (logicalType ...) are kept when the schema is exported.
 */
function longWithAttributes(base: AvroType, schema: Record<string, unknown>): AvroType {
  const type = Object.create(base) as AvroType;
  Object.defineProperty(type, '_attrs', {
    value: (opts: { exportAttrs?: boolean }) => (opts.exportAttrs ? { ...schema } : 'long'),
  });
  return type;
}

/**
 * Avro `decimal` (on bytes or fixed): read as an exact string or a number (`decimals`), written from
 * a decimal string, number or bigint; the value must fit the precision and scale.
 */
function decimalTypeFor(mode: DecimalsMode) {
  return class DecimalType extends avro.types.LogicalType {
    readonly precision: number;
    readonly scale: number;
    private readonly size: number | undefined;

    constructor(schema: avro.Schema, opts?: unknown) {
      super(schema, opts);
      const s = schema as { precision?: unknown; scale?: unknown; size?: number };
      const precision = s.precision;
      const scale = s.scale ?? 0;
      if (!Number.isInteger(precision) || (precision as number) < 1)
        throw new Error('invalid decimal precision');
      if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) {
        throw new Error('invalid decimal scale');
      }
      this.precision = precision as number;
      this.scale = scale as number;
      this.size = avro.Type.isType(this.underlyingType, 'fixed')
        ? (this.underlyingType as unknown as { size: number }).size
        : undefined;
    }

    protected override _fromValue(buf: Buffer): string | number {
      return decimalValue(unscaledFromBytes(buf), this.precision, this.scale, mode);
    }

    protected override _toValue(value: unknown): Buffer {
      const bytes = unscaledToBytes(toUnscaledDecimal(value, this.precision, this.scale), this.size);
      if (bytes === undefined) throw new Error(`decimal does not fit fixed(${this.size})`);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }

    protected override _resolve(type: avro.Type): ((value: Buffer) => Buffer) | undefined {
      const other = type as unknown as DecimalType;
      if (other instanceof DecimalType && other.scale === this.scale && other.precision <= this.precision) {
        return (value) => value;
      }
      return undefined;
    }

    protected override _export(schema: avro.Schema): void {
      const attrs = schema as unknown as Record<string, unknown>;
      attrs.precision = this.precision;
      attrs.scale = this.scale;
    }
  };
}

const DECIMAL_TYPES = {
  auto: decimalTypeFor('auto'),
  string: decimalTypeFor('string'),
  number: decimalTypeFor('number'),
};

/** Parses a schema given as JSON text (or a bare primitive name) into its JSON value. */
export function parseAvroSchema(schema: AvroSchema): unknown {
  return typeof schema === 'string' && schema.trimStart().match(/^[[{"]/) ? JSON.parse(schema) : schema;
}

/**
 * Compiles a schema. Records decode to plain-shaped objects (`omitRecordMethods`); every long —
 * `"long"`, `{"type": "long"}`, or under a logical type (timestamp-micros ...) — is a number or a
 * bigint as `longs` says; `decimal` follows `decimals`; other logical types are their underlying
 * type's value. An invalid schema is a configuration error (`TRIB_INVALID_OPTIONS`).
 */
export function compileAvroSchema(schema: AvroSchema, options: AvroValueOptions): AvroType {
  const long = options.longs === 'bigint' ? BigIntLongType : NumberLongType;
  try {
    return avro.Type.forSchema(parseAvroSchema(schema) as avro.Schema, {
      omitRecordMethods: true,
      registry: { long },
      logicalTypes: { decimal: DECIMAL_TYPES[options.decimals] },
      typeHook: (s: avro.Schema) => {
        if (typeof s !== 'object' || s === null || Array.isArray(s)) return undefined;
        if ((s as { type?: unknown }).type !== 'long') return undefined;
        return longWithAttributes(long, s as unknown as Record<string, unknown>);
      },
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
