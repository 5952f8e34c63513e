import { lz4DecodeBlockInto, lz4DecompressBlock } from '@tributary/core';

/**
 * LZ4 for Parquet pages: `LZ4_RAW` is one block per page (core's `lz4CompressBlock` /
 * `lz4DecompressBlock`, which keep and check the block format's end-of-block rules); the deprecated
 * `LZ4` codec is Hadoop's framing of blocks (or, from some old writers, one bare block).
 */
export { lz4CompressBlock, lz4DecompressBlock } from '@tributary/core';

/**
 * Decompresses a page of the deprecated `LZ4` codec: Hadoop frames (big-endian uncompressed and
 * compressed sizes, then the block) when the sizes add up, else one bare block.
 */
export function lz4DecompressHadoop(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Uint8Array(outputLength);
  if (fillFromHadoopFrames(input, out)) return out;
  return lz4DecompressBlock(input, outputLength);
}

function fillFromHadoopFrames(input: Uint8Array, out: Uint8Array): boolean {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let pos = 0;
  let written = 0;
  while (pos < input.length) {
    if (pos + 8 > input.length) return false;
    const rawSize = view.getUint32(pos);
    const blockSize = view.getUint32(pos + 4);
    pos += 8;
    if (pos + blockSize > input.length || written + rawSize > out.length) return false;
    try {
      const end = lz4DecodeBlockInto(input, pos, pos + blockSize, out, written, written + rawSize);
      if (end !== written + rawSize) return false;
    } catch {
      return false;
    }
    pos += blockSize;
    written += rawSize;
  }
  return written === out.length;
}
