import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAvroSchema } from './avro-types.js';

describe('compileAvroSchema longs', () => {
  it('encodes every safe integer exactly, as the Avro zig-zag varint (property)', () => {
    const type = compileAvroSchema('long', { longs: 'number', decimals: 'auto' });
    const wide = compileAvroSchema('long', { longs: 'bigint', decimals: 'auto' });
    fc.assert(
      fc.property(
        fc.oneof(fc.maxSafeInteger(), fc.constantFrom(2 ** 52 + 1, -(2 ** 52) - 1, -(2 ** 53) + 1)),
        (n) => {
          const bytes = type.toBuffer(n);
          expect(type.fromBuffer(bytes)).toBe(n);
          // Same bytes as the 64-bit reference encoding.
          expect(bytes).toEqual(wide.toBuffer(BigInt(n)));
        },
      ),
    );
  });

  it('refuses to decode a long beyond ±2^53 as a number', () => {
    const wide = compileAvroSchema('long', { longs: 'bigint', decimals: 'auto' });
    const type = compileAvroSchema('long', { longs: 'number', decimals: 'auto' });
    expect(() => type.fromBuffer(wide.toBuffer(2n ** 60n))).toThrow(/use longs: 'bigint'/);
    expect(type.isValid(2 ** 53)).toBe(false);
  });
});
