import { describe, expect, it } from 'vitest';
import { type BufferedEntry, RequestBuffer } from './request-buffer.js';

function item(seq: number, sizeInBytes = 1): BufferedEntry<string> {
  return { entry: `e${seq}`, sizeInBytes, seq, attempts: 0 };
}

function seqs(buffer: RequestBuffer<string>): number[] {
  return buffer.toArray().map((i) => i.seq);
}

describe('RequestBuffer', () => {
  it('takes batches from the head by count and bytes, at least one entry', () => {
    const buffer = new RequestBuffer<string>();
    for (const [seq, size] of [
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 20],
    ] as const) {
      buffer.push(item(seq, size));
    }
    expect(buffer.bytes).toBe(32);
    expect(buffer.nextBatchSize(10, 10)).toBe(2);
    expect(buffer.nextBatchSize(1, 10)).toBe(1);
    expect(buffer.take(2).map((i) => i.seq)).toEqual([0, 1]);
    expect(buffer.nextBatchSize(10, 10)).toBe(1);
    buffer.take(1);
    // An entry larger than the byte limit still goes, alone.
    expect(buffer.nextBatchSize(10, 10)).toBe(1);
    expect(buffer.headSeq()).toBe(3);
    buffer.take(1);
    expect([buffer.length, buffer.bytes, buffer.headSeq()]).toEqual([0, 0, Number.POSITIVE_INFINITY]);
  });

  it('puts failed entries back before newer ones, in their original order', () => {
    const buffer = new RequestBuffer<string>();
    for (let s = 0; s < 10; s++) buffer.push(item(s));
    const sent = buffer.take(5);
    buffer.requeue([sent[2], sent[4]] as BufferedEntry<string>[]);
    expect(seqs(buffer)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    expect(buffer.bytes).toBe(7);
  });

  it('merges failures of requests that complete out of order', () => {
    const buffer = new RequestBuffer<string>();
    for (let s = 0; s < 9; s++) buffer.push(item(s));
    const first = buffer.take(3);
    const second = buffer.take(3);
    buffer.requeue([second[1]] as BufferedEntry<string>[]); // the later request completes first
    buffer.requeue([first[0], first[2]] as BufferedEntry<string>[]);
    expect(seqs(buffer)).toEqual([0, 2, 4, 6, 7, 8]);
  });

  it('rebuilds when there is no room before the head', () => {
    const buffer = new RequestBuffer<string>();
    const failed = [item(0), item(1), item(2)];
    for (let s = 3; s < 2000; s++) buffer.push(item(s));
    buffer.requeue(failed);
    expect(seqs(buffer).slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(buffer.length).toBe(2000);
    // Taking past the compaction threshold keeps contents intact.
    buffer.take(1500);
    expect(seqs(buffer)).toEqual(Array.from({ length: 500 }, (_, i) => 1500 + i));
  });
});
