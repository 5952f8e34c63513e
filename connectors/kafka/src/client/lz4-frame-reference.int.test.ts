import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lz4CompressFrame, lz4DecompressFrame } from './lz4-frame.js';

/**
 * Kafka's lz4 record batches against the reference implementation: the `lz4` command-line tool
 * (liblz4, Debian package `lz4`), whose decoder enforces the block format's end-of-block rules.
 */
function referenceLz4(args: string[], input: Uint8Array): Buffer {
  try {
    return execFileSync('lz4', args, { input, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error('the reference lz4 tool is not installed: install the Debian/Ubuntu package `lz4`');
    }
    throw new Error(`lz4 ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** Deterministic pages like the values of record batches: runs, small numbers, text, noise. */
function pages(): Uint8Array[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const out: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array([1]),
    // The case: a DOUBLE page where lz4js put the last match too close to the block end.
    new Uint8Array(
      new Float64Array([
        0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0,
      ]).buffer,
    ),
    new Uint8Array(new Float64Array([0, 0, 0, 0, 0, 2, 0, 5, 0, 0, 1]).buffer),
    new Uint8Array(200_000).fill(9),
    Buffer.from('{"order":17,"status":"paid"}\n'.repeat(5000)),
  ];
  for (let t = 0; t < 1000; t++) {
    const length = 8 + (next() % 600);
    const values = Array.from({ length }, () => (next() % 9 < 4 ? 0 : next() % 9));
    out.push(new Uint8Array(new Float64Array(values).buffer));
  }
  return out;
}

describe('LZ4 frames against liblz4', () => {
  const inputs = pages();
  const all = Buffer.concat(inputs.map((p) => Buffer.from(p)));

  it('liblz4 decodes every frame Tributary writes to the same bytes', () => {
    // One stream of concatenated frames: the tool decodes them all in one run.
    const frames = Buffer.concat(inputs.map((p) => lz4CompressFrame(p)));
    expect(referenceLz4(['-d', '-c'], frames).equals(all)).toBe(true);
  });

  it('Tributary decodes frames liblz4 writes', () => {
    for (const level of ['-1', '-9']) {
      const frame = referenceLz4([level, '-c', '--no-frame-crc'], all);
      expect(Buffer.from(lz4DecompressFrame(frame)).equals(all)).toBe(true);
    }
  });
});
