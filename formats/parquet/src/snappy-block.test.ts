import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { snappyUncompress } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { snappyCompressBlock, snappyMaxCompressedLength } from './snappy-block.js';

/** Decodes with hyparquet's decoder (another implementation), checking the declared length. */
function roundTrip(raw: Uint8Array): Uint8Array {
  const block = snappyCompressBlock(raw);
  expect(block.length).toBeLessThanOrEqual(snappyMaxCompressedLength(raw.length));
  const out = new Uint8Array(raw.length);
  snappyUncompress(block, out);
  return out;
}

/** Byte comparison without a deep-equality walk (slow on megabyte arrays). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}

function random(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// Repetitive, random and mixed inputs: matches, no matches, long literals and long copies.
const input = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 400 }))
    .map(([s, n]) => new Uint8Array(Buffer.from(s.repeat(n)))),
  fc
    .array(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constant(new Uint8Array(300))), { maxLength: 30 })
    .map((parts) => new Uint8Array(Buffer.concat(parts))),
);

describe('Snappy blocks for Parquet pages', () => {
  it('compress → hyparquet decompress returns the input (property)', () => {
    fc.assert(
      fc.property(input, (raw) => {
        expectSameBytes(roundTrip(raw), raw);
      }),
      { numRuns: 300 },
    );
  });

  it('handles empty, tiny and margin-sized inputs', () => {
    expect(Array.from(snappyCompressBlock(new Uint8Array(0)))).toEqual([0]);
    for (let n = 1; n <= 40; n++) {
      const raw = new Uint8Array(n).fill(7);
      expectSameBytes(roundTrip(raw), raw);
    }
  });

  it('writes the varint length and literal lengths of 1, 2 and 3 bytes', () => {
    // 200 random bytes: one literal with a one-byte length (tag 60 << 2).
    const block = snappyCompressBlock(random(200, 1));
    expect(Array.from(block.subarray(0, 4))).toEqual([200, 1, 60 << 2, 199]);
    expectSameBytes(roundTrip(random(200, 1)), random(200, 1));
    // 1000 random bytes: a two-byte literal length.
    expectSameBytes(roundTrip(random(1000, 2)), random(1000, 2));
  });

  it('compresses runs with long copies and spans several 64 KiB fragments', () => {
    const zeros = new Uint8Array(300_000);
    const block = snappyCompressBlock(zeros);
    expect(block.length).toBeLessThan(20_000);
    expectSameBytes(roundTrip(zeros), zeros);
    // Incompressible data over fragment boundaries, then a repeat of it (matches within a fragment only).
    const noise = random(100_000, 3);
    const mixed = new Uint8Array(Buffer.concat([noise, noise.subarray(0, 70_000), zeros.subarray(0, 5)]));
    expectSameBytes(roundTrip(mixed), mixed);
    const incompressible = random(1_048_576, 4);
    expectSameBytes(roundTrip(incompressible), incompressible);
  });

  it('compresses a page of doubles and repeated text about as well as before', () => {
    const prices = new Float64Array(100_000).map((_, i) => Math.round(((i * 7919) % 30_000) + 100) / 100);
    const bytes = new Uint8Array(prices.buffer);
    const block = snappyCompressBlock(bytes);
    expect(block.length).toBeLessThan(bytes.length * 0.8);
    expectSameBytes(roundTrip(bytes), bytes);
  });

  it('returns a copy, so a later call does not overwrite an earlier block', () => {
    const first = snappyCompressBlock(random(500, 5));
    const copy = Uint8Array.from(first);
    snappyCompressBlock(random(500, 6));
    expect(first).toEqual(copy);
  });
});
