/**
 * Snappy raw-block compression (https://github.com/google/snappy/blob/main/format_description.txt)
 * for Parquet's SNAPPY pages. hyparquet-writer ships a compressor that grows its output buffer by
 * doubling and makes a typed-array view for every literal it copies: on the demo's pages that was
 * ~0.4 KB of garbage and a noticeable share of the CPU per row written. This one writes into one
 * scratch buffer sized for the worst case and returns an exact copy, so a page costs one allocation.
 *
 * The match finder is the reference one: the input is compressed in independent 64 KiB fragments
 * (so every offset fits two bytes), a hash of the next four bytes looks up the last position that
 * had the same hash, and the step between lookups grows while nothing matches, so incompressible
 * data is skipped quickly.
 */
const FRAGMENT_BYTES = 65_536;
const MAX_HASH_BITS = 14;
const MIN_HASH_BITS = 8;
/** No match search in the last bytes of a fragment: the reference's margin, which keeps reads in bounds. */
const INPUT_MARGIN = 15;
const HASH_MULTIPLIER = 0x1e35a7bd;

/** Positions within a fragment (< 65 536), reused across calls: one table, cleared per fragment. */
const hashTable = new Uint16Array(1 << MAX_HASH_BITS);
let scratch = new Uint8Array(0);

/** The largest a compressed block of `length` bytes can be (the reference's bound). */
export function snappyMaxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/** Compresses `input` into one raw Snappy block (varint length, then literals and copies). */
export function snappyCompressBlock(input: Uint8Array): Uint8Array {
  const bound = snappyMaxCompressedLength(input.length);
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  const out = scratch;
  let o = writeVarint(out, 0, input.length);
  for (let start = 0; start < input.length; start += FRAGMENT_BYTES) {
    const end = Math.min(start + FRAGMENT_BYTES, input.length);
    o = emitMatches(input, start, end, out, o);
    if (literalStart < end) o = emitLiteral(input, literalStart, end, out, o);
  }
  return out.slice(0, o);
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  let o = at;
  let v = value;
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[o++] = v;
  return o;
}

function load32(a: Uint8Array, i: number): number {
  return (
    (a[i] as number) |
    ((a[i + 1] as number) << 8) |
    ((a[i + 2] as number) << 16) |
    ((a[i + 3] as number) << 24)
  );
}

/**
 * Where the bytes {@link emitMatches} left as a trailing literal start. A second result kept outside
 * the function so that its optimised loop never exits into code without type feedback (it deopted
 * there on every page when the trailing literal was emitted inside).
 */
let literalStart = 0;

/**
 * Emits the literals and copies of `input[start, end)` (at most 64 KiB) into `out` from `at`, up to
 * {@link literalStart}; returns the new end of `out`. The caller emits the rest as a literal.
 */
function emitMatches(input: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let o = at;
  let nextEmit = start;
  const length = end - start;
  if (length >= INPUT_MARGIN) {
    let bits = MIN_HASH_BITS;
    while (bits < MAX_HASH_BITS && 1 << bits < length) bits++;
    const shift = 32 - bits;
    const table = hashTable;
    table.fill(0, 0, 1 << bits);
    const ipLimit = end - INPUT_MARGIN;
    let ip = start + 1;
    let nextHash = Math.imul(load32(input, ip), HASH_MULTIPLIER) >>> shift;
    search: for (;;) {
      // Look for a 4-byte match, stepping further the longer nothing matched (32 misses per +1).
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const hash = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > ipLimit) break search;
        nextHash = Math.imul(load32(input, nextIp), HASH_MULTIPLIER) >>> shift;
        candidate = start + (table[hash] as number);
        table[hash] = ip - start;
      } while (load32(input, ip) !== load32(input, candidate));
      o = emitLiteral(input, nextEmit, ip, out, o);
      // Emit copies while the position right after a copy matches again.
      do {
        let matchEnd = ip + 4;
        let from = candidate + 4;
        while (matchEnd < end && input[matchEnd] === input[from]) {
          matchEnd++;
          from++;
        }
        o = emitCopy(out, o, ip - candidate, matchEnd - ip);
        ip = matchEnd;
        nextEmit = ip;
        if (ip >= ipLimit) break search;
        table[Math.imul(load32(input, ip - 1), HASH_MULTIPLIER) >>> shift] = ip - 1 - start;
        const hash = Math.imul(load32(input, ip), HASH_MULTIPLIER) >>> shift;
        candidate = start + (table[hash] as number);
        table[hash] = ip - start;
      } while (load32(input, ip) === load32(input, candidate));
      ip++;
      nextHash = Math.imul(load32(input, ip), HASH_MULTIPLIER) >>> shift;
    }
  }
  literalStart = nextEmit;
  return o;
}

/** A literal of `input[from, to)`: tag (with the length when under 61), length bytes, the bytes. */
function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  let o = at;
  const n = to - from - 1;
  if (n < 60) {
    out[o++] = n << 2;
  } else if (n < 0x100) {
    out[o++] = 60 << 2;
    out[o++] = n;
  } else {
    // Fragments are at most 64 KiB, so two length bytes always do.
    out[o++] = 61 << 2;
    out[o++] = n & 0xff;
    out[o++] = n >>> 8;
  }
  if (to - from < 64) {
    for (let i = from; i < to; i++) out[o++] = input[i] as number;
  } else {
    out.set(input.subarray(from, to), o);
    o += to - from;
  }
  return o;
}

/** Copies of `length` bytes at `offset` back (< 65 536), in pieces of at most 64 bytes. */
function emitCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  let o = at;
  let left = length;
  // Pieces of 64, keeping the rest at 4 or more (the shortest copy with a one-byte offset).
  while (left >= 68) {
    o = emitCopyUpTo64(out, o, offset, 64);
    left -= 64;
  }
  if (left > 64) {
    o = emitCopyUpTo64(out, o, offset, 60);
    left -= 60;
  }
  return emitCopyUpTo64(out, o, offset, left);
}

function emitCopyUpTo64(out: Uint8Array, at: number, offset: number, length: number): number {
  let o = at;
  if (length < 12 && offset < 2048) {
    // Tag 01: length 4..11 and the offset's top 3 bits in the tag, its low byte after.
    out[o++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[o++] = offset & 0xff;
  } else {
    // Tag 10: length 1..64 in the tag, a two-byte little-endian offset after.
    out[o++] = 2 | ((length - 1) << 2);
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
  }
  return o;
}
