import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import * as lz4js from 'lz4js';
import { describe, expect, it } from 'vitest';
import { lz4CompressBlock, lz4DecompressBlock, lz4DecompressHadoop } from './lz4-block.js';

// Repetitive, random and mixed inputs: matches, no matches, long literal and match lengths.
const input = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 400 }))
    .map(([s, n]) => new Uint8Array(Buffer.from(s.repeat(n)))),
  fc
    .array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constant(new Uint8Array(300))), { maxLength: 20 })
    .map((parts) => new Uint8Array(Buffer.concat(parts))),
);

function hadoopFrame(blocks: Uint8Array[]): Uint8Array {
  const parts = blocks.flatMap((raw) => {
    const block = lz4CompressBlock(raw);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(raw.length, 0);
    head.writeUInt32BE(block.length, 4);
    return [head, Buffer.from(block)];
  });
  return new Uint8Array(Buffer.concat(parts));
}

describe('LZ4 blocks for Parquet pages', () => {
  it('compress → decompress returns the input, and lz4js decodes the same bytes (property)', () => {
    fc.assert(
      fc.property(input, (raw) => {
        const block = lz4CompressBlock(raw);
        expect(lz4DecompressBlock(block, raw.length)).toEqual(raw);
        const other = new Uint8Array(raw.length);
        expect(lz4js.decompressBlock(block, other, 0, block.length, 0)).toBe(raw.length);
        expect(other).toEqual(raw);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a hand-built block: literals, an overlapping match (a run) and a long match length', () => {
    // token 0x3f: 3 literals "abc", match length 15 + ext; offset 3; ext 5 → 15 + 5 + 4 = 24 bytes
    // of "abc" repeated; then a last sequence of 5 literals "!!!!!" (the block must end with 5).
    const block = new Uint8Array([0x3f, 97, 98, 99, 3, 0, 5, 0x50, 33, 33, 33, 33, 33]);
    const expected = Buffer.from(`abc${'abc'.repeat(8)}!!!!!`);
    expect(Buffer.from(lz4DecompressBlock(block, expected.length))).toEqual(expected);
  });

  it('compresses repetitive pages well and stores incompressible ones as literals', () => {
    const repetitive = new Uint8Array(Buffer.from('order-17,paid;'.repeat(1000)));
    expect(lz4CompressBlock(repetitive).length).toBeLessThan(repetitive.length / 10);
    const tiny = new Uint8Array([1, 2, 3]);
    expect(lz4CompressBlock(tiny)).toEqual(new Uint8Array([0x30, 1, 2, 3]));
  });

  it('keeps the end-of-block rules that lz4js breaks and liblz4 enforces', () => {
    // Page bytes of a DOUBLE column on which lz4js puts the last match within 12 bytes of the end.
    const page = new Uint8Array(new Float64Array([0, 0, 0, 0, 0, 2, 0, 5, 0, 0, 1]).buffer);
    const lz4jsBlock = new Uint8Array(lz4js.compressBound(page.length) + 16);
    const size = lz4js.compressBlock(page, lz4jsBlock, 0, page.length, new Uint32Array(1 << 16));
    expect(() => lz4DecompressBlock(lz4jsBlock.subarray(0, size), page.length)).toThrow(/last 12 bytes/);
    expect(lz4DecompressBlock(lz4CompressBlock(page), page.length)).toEqual(page);
    // A match starting within the last 12 bytes: "aaaa" + match 4 at offset 1 + 4 literals.
    const lateStart = new Uint8Array([0x40, 97, 97, 97, 97, 1, 0, 0x40, 98, 98, 98, 98]);
    expect(() => lz4DecompressBlock(lateStart, 12)).toThrow(/last 12 bytes/);
    // A match ending within the last 5 bytes: "a" + match 8 at offset 1 + 4 literals.
    const lateEnd = new Uint8Array([0x14, 97, 1, 0, 0x40, 98, 98, 98, 98]);
    expect(() => lz4DecompressBlock(lateEnd, 13)).toThrow(/last 5 bytes/);
  });

  it('rejects corrupt blocks instead of returning wrong bytes', () => {
    const block = lz4CompressBlock(new Uint8Array(Buffer.from('abcabcabcabcabcabcabcabc')));
    expect(() => lz4DecompressBlock(block, 25)).toThrow(/expected 25/);
    expect(() => lz4DecompressBlock(block, 10)).toThrow(/out of bounds|beyond|last 12 bytes/);
    // An offset pointing before the start of the output.
    expect(() => lz4DecompressBlock(new Uint8Array([0x10, 97, 9, 0, 0x00]), 20)).toThrow(/offset/);
    expect(() => lz4DecompressBlock(new Uint8Array([0xf0]), 10)).toThrow(/truncated/);
  });

  it('reads the deprecated LZ4 codec in Hadoop framing and as one bare block (property)', () => {
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 4 }), (blocks) => {
        const all = new Uint8Array(Buffer.concat(blocks));
        expect(lz4DecompressHadoop(hadoopFrame(blocks), all.length)).toEqual(all);
        expect(lz4DecompressHadoop(lz4CompressBlock(all), all.length)).toEqual(all);
      }),
      { numRuns: 100 },
    );
  });
});
