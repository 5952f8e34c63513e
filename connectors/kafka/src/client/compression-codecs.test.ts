import { lz4DecompressBlock } from '@tributary/core';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { registerCompressionCodecs, snappyDecompress } from './compression-codecs.js';
import { lz4CompressFrame, lz4DecompressFrame } from './lz4-frame.js';

type Codec = {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};
const table = CompressionCodecs as unknown as Record<number, () => Codec>;
const codecOf = (type: number): Codec => (table[type] as () => Codec)();

/** A compressible record-batch-like payload with some variety. */
const payload = Buffer.from(
  Array.from({ length: 2000 }, (_, i) => `{"order":${i},"status":"${i % 3 === 0 ? 'paid' : 'open'}"}`).join(
    '',
  ),
);

describe('Kafka compression codecs', () => {
  registerCompressionCodecs();

  for (const [name, type] of [
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const) {
    it(`${name}: round-trips a payload and actually compresses it`, async () => {
      const codec = codecOf(type);
      const compressed = await codec.compress({ buffer: payload });
      expect(compressed.length).toBeLessThan(payload.length / 2);
      expect((await codec.decompress(compressed)).equals(payload)).toBe(true);
    });
  }

  it('snappy: reads the xerial framing the Java client writes (several blocks)', () => {
    const first = payload.subarray(0, 1000);
    const second = payload.subarray(1000);
    const header = Buffer.alloc(16);
    Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header);
    header.writeInt32BE(1, 8);
    header.writeInt32BE(1, 12);
    const block = (data: Buffer) => {
      const compressed = Buffer.from(snappy.compress(data));
      const size = Buffer.alloc(4);
      size.writeInt32BE(compressed.length);
      return Buffer.concat([size, compressed]);
    };
    const framed = Buffer.concat([header, block(first), block(second)]);
    expect(snappyDecompress(framed).equals(payload)).toBe(true);
  });

  it('lz4: writes frames of independent 64 KiB blocks, as the Java client requires', async () => {
    const big = Buffer.concat(Array.from({ length: 4 }, () => payload));
    expect(big.length).toBeGreaterThan(3 * 64 * 1024);
    const frame = lz4CompressFrame(big);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60); // version 01 + block independence
    expect(frame[5]).toBe(0x40); // 64 KiB blocks
    expect(lz4DecompressFrame(frame).equals(big)).toBe(true);
    // Incompressible input goes out as raw blocks and still round-trips.
    const noise = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24));
    expect(lz4DecompressFrame(lz4CompressFrame(noise)).equals(noise)).toBe(true);
  });

  it('keeps a codec the application registered itself', () => {
    const own: Codec = { compress: async () => Buffer.alloc(0), decompress: async () => Buffer.alloc(0) };
    const previous = table[CompressionTypes.LZ4];
    table[CompressionTypes.LZ4] = () => own;
    try {
      registerCompressionCodecs();
      expect(codecOf(CompressionTypes.LZ4)).toBe(own);
    } finally {
      table[CompressionTypes.LZ4] = previous as () => Codec;
    }
  });
});

describe('lz4 frame blocks', () => {
  it('keep the LZ4 end-of-block rules that exact-size decoders (liblz4 on Parquet pages) enforce', () => {
    // Pages on which lz4js's compressBlock put the last match within 12 bytes of the block end.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let t = 0; t < 500; t++) {
      const values = Array.from({ length: 8 + (next() % 40) }, () => (next() % 9 < 4 ? 0 : next() % 9));
      const page = new Uint8Array(new Float64Array(values).buffer);
      const frame = lz4CompressFrame(page);
      // 7-byte header, then one block: its size (high bit: stored uncompressed), its bytes, end mark.
      const size = frame.readUInt32LE(7);
      if (size & 0x80000000) continue;
      const block = frame.subarray(11, 11 + size);
      expect(Buffer.from(lz4DecompressBlock(block, page.length)).equals(Buffer.from(page))).toBe(true);
    }
  });
});
