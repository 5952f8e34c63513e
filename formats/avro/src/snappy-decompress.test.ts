import { describe, expect, it } from 'vitest';
import { snappyDecompress } from './snappy-decompress.js';

describe('snappyDecompress', () => {
  it('decodes long literals and overlapping copies with 1-, 2- and 4-byte offsets', () => {
    const literal = Array.from({ length: 100 }, (_, i) => i);
    const compressed = new Uint8Array([
      // uncompressed length 100 + 11 + 60 + 5 = 176, as a varint
      176,
      1,
      // literal of 100 bytes: tag 60 << 2, then one byte holding length - 1
      60 << 2,
      99,
      ...literal,
      // copy, 1-byte offset: length 11 (3 tag bits hold length - 4), offset 100 (high offset bits 0)
      0b01 | ((11 - 4) << 2),
      100,
      // copy, 2-byte offset: length 60, offset 1 (a run of the last byte)
      0b10 | ((60 - 1) << 2),
      1,
      0,
      // copy, 4-byte offset: length 5, offset 171 (back to the start)
      0b11 | ((5 - 1) << 2),
      171,
      0,
      0,
      0,
    ]);
    const expected = [...literal, ...literal.slice(0, 11), ...Array(60).fill(10), ...literal.slice(0, 5)];
    expect([...snappyDecompress(compressed)]).toEqual(expected);
  });

  it('rejects corrupt input', () => {
    expect(() => snappyDecompress(new Uint8Array([5, 0b01 | (1 << 2), 9]))).toThrow(/out of bounds/);
    expect(() => snappyDecompress(new Uint8Array([4, 0, 1]))).toThrow(/shorter than declared/);
  });
});
