/**
 * Builds a valid Zstandard frame of raw (stored) blocks, so tests need no zstd encoder: a
 * single-segment frame header with a 4-byte content size, then blocks of at most `blockSize` bytes
 * (RFC 8878 §3.1.1).
 */
export function zstdRawFrame(content: Uint8Array, blockSize = 128 * 1024): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(9);
  header.set([0x28, 0xb5, 0x2f, 0xfd], 0); // magic number, little endian
  header[4] = 0xa0; // Frame_Content_Size_flag = 2 (4 bytes), Single_Segment_flag = 1
  new DataView(header.buffer).setUint32(5, content.byteLength, true);
  parts.push(header);
  const size = Math.min(blockSize, 128 * 1024);
  for (let at = 0; at < content.byteLength || at === 0; at += size) {
    const block = content.subarray(at, Math.min(content.byteLength, at + size));
    const last = at + size >= content.byteLength ? 1 : 0;
    const value = (block.byteLength << 3) | (0 << 1) | last; // Block_Type 0 = Raw
    parts.push(new Uint8Array([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]), block);
    if (last) break;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
