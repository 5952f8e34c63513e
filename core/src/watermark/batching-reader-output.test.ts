import { describe, expect, it } from 'vitest';
import { runChain } from '../runtime/operator-chain.js';
import { BatchingReaderOutput } from './batching-reader-output.js';
import { Watermarks } from './watermark-strategies.js';

const env = { subtaskId: 0, currentWatermark: () => undefined };

describe('BatchingReaderOutput without watermarks', () => {
  it('keeps the timestamp array empty when no record carries one', () => {
    const output = new BatchingReaderOutput<number>(Watermarks.none());
    const split = output.createOutputForSplit('a');
    for (let i = 0; i < 5; i++) split.collect(i);
    const batch = output.takeBatch();
    expect(batch.values).toEqual([0, 1, 2, 3, 4]);
    expect(batch.timestamps).toEqual([]);
  });

  it('pads earlier records with NaN when a later record has a timestamp', () => {
    const output = new BatchingReaderOutput<string>(Watermarks.none());
    output.collect('a');
    output.collect('b');
    output.collect('c', 30);
    output.collect('d');
    output.collect('e', 50);
    const batch = output.takeBatch();
    expect(batch.values).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(batch.timestamps).toEqual([Number.NaN, Number.NaN, 30, Number.NaN, 50]);
  });

  it('chains keep each record with its own timestamp, also when the array is short', () => {
    const batch = { values: [1, 2, 3, 4], timestamps: [Number.NaN, 20] };
    const filtered = runChain(
      [{ kind: 'filter', name: 'odd', fn: (v) => (v as number) % 2 === 0 }],
      batch,
      env,
    );
    expect(filtered.values).toEqual([2, 4]);
    expect(filtered.timestamps).toEqual([20, Number.NaN]);
    const untimed = runChain(
      [{ kind: 'flatMap', name: 'twice', fn: (v) => [v, v] }],
      { values: [1, 2], timestamps: [] },
      env,
    );
    expect(untimed).toEqual({ values: [1, 1, 2, 2], timestamps: [] });
  });
});
