import { lz4CompressBlock } from '@tributary/core';
import * as lz4 from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32.js';

/**
 * LZ4 frames as Kafka's Java client reads them. `lz4js.compress` writes dependent blocks (a
 * block may refer back into the previous one), which the broker rejects ("Dependent block stream
 * is unsupported"); so frames are assembled here from independently compressed 64 KiB blocks —
 * what the Java producer writes. Blocks come from core's compressor, which keeps the LZ4 block
 * format's end-of-block rules (lz4js's `compressBlock` can place the last match too close to the
 * end, which liblz4 and the JVM reject).
 */
const MAGIC = 0x184d2204;
/** FLG: version 01, blocks independent; no block/content checksums, no content size. */
const FLG = 0x60;
/** BD: maximum block size 64 KiB. */
const BD = 0x40;
const BLOCK_BYTES = 64 * 1024;
const UNCOMPRESSED_BLOCK = 0x80000000;

export function lz4CompressFrame(input: Uint8Array): Buffer {
  const blocks: Buffer[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = FLG;
  header[5] = BD;
  // Header checksum: second byte of xxh32(seed 0) over the descriptor (FLG, BD).
  header[6] = (xxh32(0, header, 4, 2) >>> 8) & 0xff;
  blocks.push(header);
  for (let start = 0; start < input.length; start += BLOCK_BYTES) {
    const length = Math.min(BLOCK_BYTES, input.length - start);
    // Each block is compressed on its own, so every match stays inside its block.
    const block = lz4CompressBlock(input, start, length);
    const sizeField = Buffer.alloc(4);
    if (block.length >= length) {
      sizeField.writeUInt32LE((UNCOMPRESSED_BLOCK | length) >>> 0);
      blocks.push(sizeField, Buffer.from(input.subarray(start, start + length)));
    } else {
      sizeField.writeUInt32LE(block.length);
      blocks.push(sizeField, Buffer.from(block));
    }
  }
  blocks.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(blocks);
}

/** Any LZ4 frame (independent or dependent blocks, with or without checksums). */
export function lz4DecompressFrame(input: Uint8Array): Buffer {
  return Buffer.from(lz4.decompress(input));
}
