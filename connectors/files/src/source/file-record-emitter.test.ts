import type { FileReadBatch, SourceOutput } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { FileRecordEmitter } from './file-record-emitter.js';
import type { FileSplitState } from './file-source-split.js';

/** An output that records how it was called: one entry per `collect`, one per `collectBatch`. */
function recordingOutput() {
  const calls: { kind: 'collect' | 'batch'; records: string[]; timestamps?: number[] }[] = [];
  const output: SourceOutput<string> = {
    collect: (record) => {
      calls.push({ kind: 'collect', records: [record] });
    },
    collectBatch: (records, timestamps) => {
      calls.push({ kind: 'batch', records, timestamps });
    },
    emitWatermark: () => {},
    markIdle: () => {},
    markActive: () => {},
  };
  return { output, calls };
}

function stateOf(): FileSplitState {
  return {
    split: {
      splitId: 'f:0',
      path: '/data/f.csv',
      start: 0,
      end: null,
      fileSize: 100,
      modificationTime: 0,
      position: null,
    },
    position: null,
  };
}

const batch = (): FileReadBatch<string> => ({
  records: ['a', 'b', 'c', 'd'],
  positions: [10, 20, 30, 40].map((offset) => ({ offset, recordsToSkip: 0 })),
  bytesRead: 40,
});

describe('FileRecordEmitter', () => {
  it('emits a whole chunk in one collectBatch call, handing its array over', () => {
    const { output, calls } = recordingOutput();
    const state = stateOf();
    const b = batch();
    new FileRecordEmitter<string>(false).emitRecords(b, 0, 4, output, state);
    expect(calls).toEqual([{ kind: 'batch', records: ['a', 'b', 'c', 'd'], timestamps: [] }]);
    expect(calls[0]?.records).toBe(b.records);
    expect(state.position).toEqual({ offset: 40, recordsToSkip: 0 });
  });

  it('emits part of a chunk as a copy of that range, and moves the position to its last record', () => {
    const { output, calls } = recordingOutput();
    const state = stateOf();
    const b = batch();
    const emitter = new FileRecordEmitter<string>(false);
    emitter.emitRecords(b, 0, 1, output, state);
    expect(state.position).toEqual({ offset: 10, recordsToSkip: 0 });
    emitter.emitRecords(b, 1, 3, output, state);
    expect(state.position).toEqual({ offset: 30, recordsToSkip: 0 });
    emitter.emitRecords(b, 3, 4, output, state);
    expect(calls.map((c) => [c.kind, c.records])).toEqual([
      ['batch', ['a']],
      ['batch', ['b', 'c']],
      ['batch', ['d']],
    ]);
    // The chunk's own array is untouched (each range is a copy) and each call gets its own timestamps.
    expect(b.records).toEqual(['a', 'b', 'c', 'd']);
    expect(calls[0]?.timestamps).not.toBe(calls[1]?.timestamps);
    expect(state.position).toEqual({ offset: 40, recordsToSkip: 0 });
  });

  it("takes positions from a line format's end offsets, for the split state and each record's metadata", () => {
    const records: unknown[] = [];
    const output: SourceOutput<unknown> = {
      collect: (record) => records.push(record),
      emitWatermark: () => {},
      markIdle: () => {},
      markActive: () => {},
    };
    const state = stateOf();
    const lines: FileReadBatch<string> = { records: ['a', 'b'], endOffsets: [5, 11], bytesRead: 11 };
    new FileRecordEmitter<string>(true).emitRecords(lines, 0, 2, output, state);
    expect(records.map((r) => (r as { position: unknown }).position)).toEqual([
      { offset: 5, recordsToSkip: 0 },
      { offset: 11, recordsToSkip: 0 },
    ]);
    expect(state.position).toEqual({ offset: 11, recordsToSkip: 0 });
  });

  it('falls back to collect for an output without collectBatch', () => {
    const seen: string[] = [];
    const output: SourceOutput<string> = {
      collect: (record) => seen.push(record),
      emitWatermark: () => {},
      markIdle: () => {},
      markActive: () => {},
    };
    new FileRecordEmitter<string>(false).emitRecords(batch(), 1, 4, output, stateOf());
    expect(seen).toEqual(['b', 'c', 'd']);
  });
});
