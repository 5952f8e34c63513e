import CRC32C from 'crc-32/crc32c.js';

/**
 * CRC32C (Castagnoli) of `data`, unsigned. SheetJS's `crc-32` (pure JS, slice-by-16) checksums
 * ~15x faster than a byte-at-a-time table loop (1.9 GB/s vs 121 MB/s here), and every frame sent
 * and received is checksummed.
 */
export function crc32c(data: Uint8Array): number {
  return CRC32C.buf(data) >>> 0;
}
