/// <reference path="./untyped-lz4js.d.ts" />
import * as lz4 from 'lz4js';

/**
 * LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md) for Parquet
 * pages: `LZ4_RAW` is one block per page; the deprecated `LZ4` codec is Hadoop's framing of blocks
 * (or, from some old writers, one bare block). Compression is lz4js's; decompression is here,
 * strict about bounds because pages come from files of any origin.
 */
const MIN_MATCH = 4;

/** Compresses `input` into one LZ4 block (a literal-only block when lz4js finds no match). */
export function lz4CompressBlock(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(lz4.compressBound(input.length) + 16);
  // lz4js returns 0 when it found nothing to match; a block of literals is still valid LZ4.
  const size = lz4.compressBlock(input, out, 0, input.length, new Uint32Array(1 << 16));
  return size > 0 ? out.subarray(0, size) : literalBlock(input);
}

/** Decompresses one LZ4 block that must expand to exactly `outputLength` bytes. */
export function lz4DecompressBlock(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Uint8Array(outputLength);
  const end = decodeBlock(input, 0, input.length, out, 0);
  if (end !== outputLength) throw new Error(`lz4: block expands to ${end} bytes, expected ${outputLength}`);
  return out;
}

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
      if (decodeBlock(input, pos, pos + blockSize, out, written) !== written + rawSize) return false;
    } catch {
      return false;
    }
    pos += blockSize;
    written += rawSize;
  }
  return written === out.length;
}

function decodeBlock(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  let s = from;
  let d = at;
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
  while (s < to) {
    const token = src[s++] as number;
    const literals = readLength(token >>> 4);
    if (s + literals > to || d + literals > dst.length) throw new Error('lz4: literals out of bounds');
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === to) break; // the last sequence has literals only
    if (s + 2 > to) throw new Error('lz4: truncated match offset');
    const offset = (src[s] as number) | ((src[s + 1] as number) << 8);
    s += 2;
    const length = readLength(token & 15) + MIN_MATCH;
    if (offset === 0 || offset > d - at) throw new Error('lz4: match offset out of bounds');
    if (d + length > dst.length) throw new Error('lz4: match beyond the declared size');
    // Byte by byte: a match may overlap the bytes it produces (runs).
    for (let i = 0; i < length; i++, d++) dst[d] = dst[d - offset] as number;
  }
  return d;
}

function literalBlock(input: Uint8Array): Uint8Array {
  const extra = input.length >= 15 ? Math.floor((input.length - 15) / 255) + 1 : 0;
  const out = new Uint8Array(1 + extra + input.length);
  let o = 0;
  if (input.length < 15) out[o++] = input.length << 4;
  else {
    out[o++] = 0xf0;
    let rest = input.length - 15;
    for (; rest >= 255; rest -= 255) out[o++] = 255;
    out[o++] = rest;
  }
  out.set(input, o);
  return out;
}
