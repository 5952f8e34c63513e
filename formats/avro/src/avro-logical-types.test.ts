import { Buffer } from 'node:buffer';
import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { AvroDeserializationSchema, AvroSerializationSchema } from './avro-binary-schemas.js';
import { readContainerHeader } from './avro-container-header.js';
import { AvroFileFormat } from './avro-file-format.js';
import type { AvroFormatConfig } from './avro-format-options.js';
import { AvroWriterFormat } from './avro-writer-format.js';

/** Avro's zig-zag varint of a 64-bit long, computed independently with bigints. */
function zigzagVarint(n: bigint): Buffer {
  let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

const longSchemas = [
  { type: 'long' },
  { type: 'long', logicalType: 'timestamp-micros' },
  { type: 'long', logicalType: 'timestamp-millis' },
  { type: 'long', logicalType: 'time-micros' },
  { type: 'long', logicalType: 'local-timestamp-micros' },
  { type: 'long', logicalType: 'timestamp-nanos' },
];

describe('Avro longs under any wrapper follow the longs option', () => {
  it.each(longSchemas)('%j: bigints encode and decode exactly over 64 bits', (schema) => {
    const options = { schema: { type: 'record', name: 'R', fields: [{ name: 'v', type: schema }] } };
    const serializer = new AvroSerializationSchema({ ...options, longs: 'bigint' });
    const deserializer = new AvroDeserializationSchema({ ...options, longs: 'bigint' });
    for (const v of [
      -4503599627370497n,
      253402300799999999n,
      -(2n ** 63n),
      2n ** 63n - 1n,
      -1n,
      0n,
      -62135596800000001n,
    ]) {
      const bytes = serializer.serialize({ v });
      expect(Buffer.from(bytes)).toEqual(zigzagVarint(v));
      expect(deserializer.deserialize(bytes)).toEqual({ v });
    }
  });

  it.each(longSchemas)('%j: numbers below -2^52 keep their sign', (schema) => {
    const options = { schema: { type: 'record', name: 'R', fields: [{ name: 'v', type: schema }] } };
    const serializer = new AvroSerializationSchema(options);
    const deserializer = new AvroDeserializationSchema(options);
    for (const v of [-4503599627370497, -9007199254740991, 9007199254740991]) {
      const bytes = serializer.serialize({ v });
      expect(Buffer.from(bytes)).toEqual(zigzagVarint(BigInt(v)));
      expect(deserializer.deserialize(bytes)).toEqual({ v });
    }
    // Beyond ±2^53 a number cannot hold the value: an error, not a rounded value.
    expect(() => deserializer.deserialize(zigzagVarint(253402300799999999n))).toThrow(/2\^53|bigint/);
  });

  it('a container file keeps the logical types in its header and reads timestamps exactly', async () => {
    const schema = {
      type: 'record',
      name: 'Event',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 10 } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
      ],
    };
    const options: AvroFormatConfig = { schema, longs: 'bigint' };
    const output = new MemoryFileOutput();
    const writer = new AvroWriterFormat(options).createWriter(output);
    const records = [
      { at: -4503599627370497n, price: '12345678901234567890.0123456789', day: -719162 },
      { at: 253402300799999999n, price: '-0.0000000001', day: 2932896 },
    ];
    await writer.writeBatch(records);
    await writer.finish();
    const input = new MemoryFileInput(output.bytes());
    const header = JSON.parse((await readContainerHeader(input)).schema);
    expect(header.fields.map((f: { type: unknown }) => f.type)).toEqual(schema.fields.map((f) => f.type));
    const read = await readFileRegion(new AvroFileFormat({ longs: 'bigint' }), input);
    expect(read.records).toEqual(records);
  });
});

describe('Avro decimals', () => {
  const schemaOf = (type: unknown) => ({
    type: 'record',
    name: 'D',
    fields: [{ name: 'd', type }],
  });

  it('DECIMAL(38,10) on bytes is exact both ways, as two’s-complement unscaled bytes', () => {
    const options = { schema: schemaOf({ type: 'bytes', logicalType: 'decimal', precision: 38, scale: 10 }) };
    const bytes = new AvroSerializationSchema(options).serialize({ d: '12345678901234567890.0123456789' });
    const unscaled = 123456789012345678900123456789n;
    const hex = unscaled.toString(16).padStart(26, '0');
    expect(Buffer.from(bytes).subarray(1).toString('hex')).toBe(hex);
    expect(new AvroDeserializationSchema(options).deserialize(bytes)).toEqual({
      d: '12345678901234567890.0123456789',
    });
  });

  it('decimals on fixed sign-extend to the size; precision up to 15 reads as a number by default', () => {
    const options = {
      schema: schemaOf({
        type: 'fixed',
        name: 'F',
        size: 8,
        logicalType: 'decimal',
        precision: 12,
        scale: 2,
      }),
    };
    const bytes = new AvroSerializationSchema(options).serialize({ d: -1234.5 });
    expect(Buffer.from(bytes).toString('hex')).toBe('fffffffffffe1dc6');
    expect(new AvroDeserializationSchema(options).deserialize(bytes)).toEqual({ d: -1234.5 });
    expect(new AvroDeserializationSchema({ ...options, decimals: 'string' }).deserialize(bytes)).toEqual({
      d: '-1234.50',
    });
  });

  it('rejects a value with more digits than the type holds instead of rounding it', () => {
    const options = { schema: schemaOf({ type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 }) };
    const serializer = new AvroSerializationSchema(options);
    expect(() => serializer.serialize({ d: '1.005' })).toThrow(/field d/);
    expect(() => serializer.serialize({ d: '1234.5' })).toThrow(/field d/);
    expect(
      Buffer.from(serializer.serialize({ d: '999.99' }))
        .subarray(1)
        .toString('hex'),
    ).toBe('01869f');
  });
});

describe('empty container files', () => {
  it('a 0-byte .avro file fails as not a container (a truncated upload is not an empty file)', async () => {
    await expect(
      readFileRegion(new AvroFileFormat(), new MemoryFileInput(new Uint8Array(0))),
    ).rejects.toThrow(/truncated|magic/);
  });
});
