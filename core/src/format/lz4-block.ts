/**
 * The LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md), used by
 * Parquet's LZ4_RAW pages and inside Kafka's LZ4 frames. The compressor keeps the format's end-of-block
 * rules — the last 5 bytes are literals and the last match starts at least 12 bytes before the
 * end — which the reference decoder enforces (a block that breaks them is rejected by liblz4,
 * DuckDB, Arrow and the JVM). The decoder enforces the same rules and every bound, so a block
 * other tools would reject is rejected here too.
 */
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MFLIMIT = 12;
const MAX_OFFSET = 65_535;
const HASH_LOG = 16;

/** Compresses `input` (or `input[start, start + length)`) into one LZ4 block. */
export function lz4CompressBlock(input: Uint8Array, start = 0, length = input.length - start): Uint8Array {
  const end = start + length;
  const out = new Uint8Array(length + Math.ceil(length / 255) + 16);
  let o = 0;
  let anchor = start;
  if (length > MFLIMIT) {
    const table = new Int32Array(1 << HASH_LOG).fill(-1);
    const lastMatchStart = end - MFLIMIT;
    const matchEndLimit = end - LAST_LITERALS;
    let i = start;
    let misses = 0;
    while (i <= lastMatchStart) {
      const sequence = read32(input, i);
      const h = Math.imul(sequence, 2654435761) >>> (32 - HASH_LOG);
      const ref = table[h] as number;
      table[h] = i;
      if (ref < 0 || i - ref > MAX_OFFSET || read32(input, ref) !== sequence) {
        // Skip faster through data that does not compress, as the reference does.
        i += 1 + (misses++ >> 6);
        continue;
      }
      misses = 0;
      let matchEnd = i + MIN_MATCH;
      while (matchEnd < matchEndLimit && input[matchEnd] === input[ref + matchEnd - i]) matchEnd++;
      o = writeSequence(out, o, input, anchor, i, i - ref, matchEnd - i);
      i = matchEnd;
      anchor = i;
    }
  }
  o = writeLiterals(out, o, input, anchor, end, 0);
  return out.subarray(0, o);
}

/** Decompresses one LZ4 block that must expand to exactly `outputLength` bytes. */
export function lz4DecompressBlock(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Uint8Array(outputLength);
  const end = lz4DecodeBlockInto(input, 0, input.length, out, 0, outputLength);
  if (end !== outputLength) throw new Error(`lz4: block expands to ${end} bytes, expected ${outputLength}`);
  return out;
}

/**
 * Decodes the block `src[from, to)` into `dst` from `at`, for a block whose output ends at `outEnd`
 * (where the end-of-block rules apply). Returns the end of the written bytes; throws on any
 * malformed or out-of-bounds sequence.
 */
export function lz4DecodeBlockInto(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  at: number,
  outEnd: number,
): number {
  let s = from;
  let d = at;
  if (outEnd > dst.length) throw new Error('lz4: output beyond the buffer');
  const readLength = (base: number): number => {
    let length = base;
    if (base !== 15) return length;
    for (;;) {
      if (s >= to) throw new Error('lz4: truncated length');
      const b = src[s++] as number;
      length += b;
      if (b !== 255) return length;
    }
  };
  if (s >= to) throw new Error('lz4: empty block');
  while (s < to) {
    const token = src[s++] as number;
    const literals = readLength(token >>> 4);
    if (s + literals > to || d + literals > outEnd) throw new Error('lz4: literals out of bounds');
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === to) break; // the last sequence has literals only
    if (d > outEnd - MFLIMIT) throw new Error('lz4: a match within the last 12 bytes of the block');
    if (s + 2 > to) throw new Error('lz4: truncated match offset');
    const offset = (src[s] as number) | ((src[s + 1] as number) << 8);
    s += 2;
    const length = readLength(token & 15) + MIN_MATCH;
    if (offset === 0 || offset > d - at) throw new Error('lz4: match offset out of bounds');
    if (d + length > outEnd - LAST_LITERALS) throw new Error('lz4: a match in the last 5 bytes of the block');
    // Byte by byte: a match may overlap the bytes it produces (runs).
    for (let i = 0; i < length; i++, d++) dst[d] = dst[d - offset] as number;
  }
  return d;
}

function read32(b: Uint8Array, i: number): number {
  return (
    ((b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24)) >>>
    0
  );
}

function writeLength(out: Uint8Array, o: number, rest: number): number {
  let r = rest;
  for (; r >= 255; r -= 255) out[o++] = 255;
  out[o++] = r;
  return o;
}

/** A literal run (the block's last sequence when `matchNibble` is 0 and no match follows). */
function writeLiterals(
  out: Uint8Array,
  o: number,
  src: Uint8Array,
  from: number,
  to: number,
  matchNibble: number,
): number {
  const count = to - from;
  let p = o;
  out[p++] = (Math.min(count, 15) << 4) | matchNibble;
  if (count >= 15) p = writeLength(out, p, count - 15);
  out.set(src.subarray(from, to), p);
  return p + count;
}

function writeSequence(
  out: Uint8Array,
  o: number,
  src: Uint8Array,
  literalsFrom: number,
  literalsTo: number,
  offset: number,
  matchLength: number,
): number {
  const extra = matchLength - MIN_MATCH;
  let p = writeLiterals(out, o, src, literalsFrom, literalsTo, Math.min(extra, 15));
  out[p++] = offset & 0xff;
  out[p++] = offset >>> 8;
  if (extra >= 15) p = writeLength(out, p, extra - 15);
  return p;
}
