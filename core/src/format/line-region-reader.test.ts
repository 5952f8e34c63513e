import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileRegion } from '../api/format.js';
import { LineRegionReader } from './line-region-reader.js';
import { MemoryFileInput } from './memory-file.js';

async function readLines(input: MemoryFileInput, region: FileRegion) {
  const reader = new LineRegionReader(input, region);
  const lines: string[] = [];
  const ends: number[] = [];
  const numbers: (number | undefined)[] = [];
  let bytes = 0;
  for (let batch = await reader.next(); batch !== null; batch = await reader.next()) {
    lines.push(...batch.lines);
    ends.push(...batch.ends);
    bytes += batch.bytesRead;
    for (let i = 0; i < batch.lines.length; i++) {
      numbers.push(batch.firstLineNumber === undefined ? undefined : batch.firstLineNumber + i);
    }
  }
  await reader.close();
  return { lines, ends, numbers, bytes };
}

function regionsOf(size: number, cuts: number[]): FileRegion[] {
  const points = [...new Set(cuts.map((c) => c % (size + 1)))].sort((a, b) => a - b).filter((c) => c > 0);
  const regions: FileRegion[] = [];
  let start = 0;
  for (const p of points) {
    regions.push({ start, end: p });
    start = p;
  }
  regions.push({ start, end: undefined });
  return regions;
}

describe('LineRegionReader', () => {
  it('reads lines starting in the region, finishing the last one past the end', async () => {
    const input = new MemoryFileInput('aa\nbb\ncc\ndd\n', { chunkSize: 2 });
    // 'aa\n' = [0,3), 'bb\n' = [3,6), 'cc\n' = [6,9), 'dd\n' = [9,12)
    expect((await readLines(input, { start: 0, end: 4 })).lines).toEqual(['aa', 'bb']);
    expect((await readLines(input, { start: 4, end: 9 })).lines).toEqual(['cc']);
    expect((await readLines(input, { start: 3, end: 6 })).lines).toEqual(['bb']);
    expect((await readLines(input, { start: 9, end: undefined })).lines).toEqual(['dd']);
    expect((await readLines(input, { start: 10, end: 12 })).lines).toEqual([]);
  });

  it('numbers lines only when it starts at byte 0', async () => {
    const input = new MemoryFileInput('a\nb\nc', { chunkSize: 3 });
    const whole = await readLines(input, { start: 0, end: undefined });
    expect(whole.numbers).toEqual([1, 2, 3]);
    expect(whole.ends).toEqual([2, 4, 5]);
    expect(whole.bytes).toBe(5);
    const tail = await readLines(input, { start: 1, end: undefined });
    expect(tail.lines).toEqual(['b', 'c']);
    expect(tail.numbers).toEqual([undefined, undefined]);
  });

  it('resumes exactly at a restored position', async () => {
    const input = new MemoryFileInput('one\ntwo\nthree\n', { chunkSize: 4 });
    const all = await readLines(input, { start: 0, end: undefined });
    for (let k = 0; k < all.lines.length; k++) {
      const rest = await readLines(input, {
        start: 0,
        end: undefined,
        restoredPosition: { offset: all.ends[k] as number, recordsToSkip: 0 },
      });
      expect(rest.lines).toEqual(all.lines.slice(k + 1));
    }
  });

  it('stops pulling the stream once past the region end', async () => {
    let chunksPulled = 0;
    const input = new MemoryFileInput('x\n'.repeat(1000), { chunkSize: 2 });
    const counting = {
      ...input,
      path: input.path,
      size: input.size,
      compressed: false,
      read: input.read.bind(input),
      async *stream(offset: number) {
        for await (const chunk of input.stream(offset)) {
          chunksPulled++;
          yield chunk;
        }
      },
    };
    const reader = new LineRegionReader(counting, { start: 0, end: 6 });
    const lines: string[] = [];
    for (let b = await reader.next(); b !== null; b = await reader.next()) lines.push(...b.lines);
    expect(lines).toEqual(['x', 'x', 'x']);
    expect(chunksPulled).toBeLessThanOrEqual(4);
  });

  it('reading all regions yields every line exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)),
          {
            maxLength: 30,
          },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        async (lines, cuts, chunkSize, trailingNewline) => {
          fc.pre(lines.length === 0 || !(lines[0] as string).startsWith('\uFEFF'));
          const text = lines.join('\n') + (trailingNewline && lines.length > 0 ? '\n' : '');
          const input = new MemoryFileInput(text, { chunkSize });
          // A file's lines: split on '\n', an empty piece after the last terminator is not a line.
          const expected = text.split('\n');
          if (expected[expected.length - 1] === '') expected.pop();
          const got: string[] = [];
          for (const region of regionsOf(input.size, cuts)) {
            got.push(...(await readLines(input, region)).lines);
          }
          expect(got).toEqual(expected);
        },
      ),
    );
  });
});
