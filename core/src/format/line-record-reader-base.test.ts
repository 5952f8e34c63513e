import { describe, expect, it } from 'vitest';
import { type FileRegion, filePositionAt } from '../api/format.js';
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
      out.endOffsets.push(batch.ends[i] as number);
      if (batch.firstLineNumber !== undefined) out.lineNumbers?.push(batch.firstLineNumber + i);
    });
  }
}

async function readAll(input: MemoryFileInput, region: FileRegion) {
  const reader = new NumberReader(input, region);
  const records: number[] = [];
  const lineNumbers: number[] = [];
  const endOffsets: number[] = [];
  let skipped = 0;
  let bytes = 0;
  for (let b = await reader.readBatch(); b !== null; b = await reader.readBatch()) {
    records.push(...b.records);
    lineNumbers.push(...(b.lineNumbers ?? []));
    skipped += b.skippedErrors ?? 0;
    bytes += b.bytesRead;
    // Line formats give the offset after each record as a number, not a position object each.
    expect(b.positions).toBeUndefined();
    expect(b.endOffsets).toHaveLength(b.records.length);
    endOffsets.push(...(b.endOffsets ?? []));
    if (b.records.length > 0) {
      expect(filePositionAt(b, b.records.length - 1)).toEqual({
        offset: b.endOffsets?.at(-1),
        recordsToSkip: 0,
      });
    }
  }
  expect(await reader.readBatch()).toBeNull();
  await reader.close();
  return { records, lineNumbers, endOffsets, skipped, bytes };
}

describe('LineRecordReaderBase', () => {
  it('assembles batches with positions, line numbers, skipped errors and bytes', async () => {
    const input = new MemoryFileInput('1\n\nx\n2\n3\n\n', { chunkSize: 3 });
    const out = await readAll(input, { start: 0, end: undefined });
    expect(out).toEqual({
      records: [1, 2, 3],
      lineNumbers: [1, 4, 5],
      endOffsets: [2, 7, 9],
      skipped: 1,
      bytes: input.size,
    });
  });

  it('applies recordsToSkip of a restored position', async () => {
    const input = new MemoryFileInput('1\n2\n3\n4\n', { chunkSize: 2 });
    const out = await readAll(input, {
      start: 0,
      end: undefined,
      restoredPosition: { offset: 2, recordsToSkip: 2 },
    });
    expect(out.records).toEqual([4]);
    expect(out.endOffsets).toEqual([8]);
    expect(out.lineNumbers).toEqual([]);
  });
});
