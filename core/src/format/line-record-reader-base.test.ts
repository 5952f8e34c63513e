import { describe, expect, it } from 'vitest';
import type { FileRegion } from '../api/format.js';
import { LineRecordReaderBase, type RecordBatchBuilder } from './line-record-reader-base.js';
import type { LineRegionBatch } from './line-region-reader.js';
import { MemoryFileInput } from './memory-file.js';

/** Numbers as lines; 'x' is a bad record, blank lines are skipped. */
class NumberReader extends LineRecordReaderBase<number> {
  protected parseLines(batch: LineRegionBatch, out: RecordBatchBuilder<number>): void {
    batch.lines.forEach((line, i) => {
      if (line === '') return;
      if (line === 'x') {
        out.skippedErrors++;
        return;
      }
      out.records.push(Number(line));
      out.positions.push({ offset: batch.ends[i] as number, recordsToSkip: 0 });
      if (batch.firstLineNumber !== undefined) out.lineNumbers?.push(batch.firstLineNumber + i);
    });
  }
}

async function readAll(input: MemoryFileInput, region: FileRegion) {
  const reader = new NumberReader(input, region);
  const records: number[] = [];
  const lineNumbers: number[] = [];
  let skipped = 0;
  let bytes = 0;
  for (let b = await reader.readBatch(); b !== null; b = await reader.readBatch()) {
    records.push(...b.records);
    lineNumbers.push(...(b.lineNumbers ?? []));
    skipped += b.skippedErrors ?? 0;
    bytes += b.bytesRead;
    expect(b.positions).toHaveLength(b.records.length);
  }
  expect(await reader.readBatch()).toBeNull();
  await reader.close();
  return { records, lineNumbers, skipped, bytes };
}

describe('LineRecordReaderBase', () => {
  it('assembles batches with positions, line numbers, skipped errors and bytes', async () => {
    const input = new MemoryFileInput('1\n\nx\n2\n3\n\n', { chunkSize: 3 });
    const out = await readAll(input, { start: 0, end: undefined });
    expect(out).toEqual({ records: [1, 2, 3], lineNumbers: [1, 4, 5], skipped: 1, bytes: input.size });
  });

  it('applies recordsToSkip of a restored position', async () => {
    const input = new MemoryFileInput('1\n2\n3\n4\n', { chunkSize: 2 });
    const out = await readAll(input, {
      start: 0,
      end: undefined,
      restoredPosition: { offset: 2, recordsToSkip: 2 },
    });
    expect(out.records).toEqual([4]);
    expect(out.lineNumbers).toEqual([]);
  });
});
