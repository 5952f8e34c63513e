import { describe, expect, it } from 'vitest';
import { type ProcessContext, runChain } from '../runtime/operator-chain.js';
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

describe('BatchingReaderOutput.collectBatch', () => {
  it('takes a batch into an empty poll batch as it is, and appends to a non-empty one with timestamps aligned', () => {
    const output = new BatchingReaderOutput<string>(Watermarks.none());
    const split = output.createOutputForSplit('a');
    const records = ['a', 'b'];
    const timestamps = [10, 20];
    split.collectBatch?.(records, timestamps);
    const first = output.takeBatch();
    expect(first.values).toBe(records);
    expect(first.timestamps).toBe(timestamps);

    split.collect('c');
    split.collectBatch?.(['d', 'e'], []);
    split.collectBatch?.(['f', 'g', 'h'], [Number.NaN, 70]);
    split.collect('i', 90);
    const second = output.takeBatch();
    expect(second.values).toEqual(['c', 'd', 'e', 'f', 'g', 'h', 'i']);
    // 'h' has no entry (the batch's array was shorter): the next timestamp pads it with NaN.
    expect(second.timestamps).toEqual([Number.NaN, Number.NaN, Number.NaN, Number.NaN, 70, Number.NaN, 90]);
  });

  it('runs every record through the split watermark generator and assigner, as collect does', () => {
    const strategy = Watermarks.boundedOutOfOrderness<number>(5).withTimestampAssigner((value, ts) =>
      ts === undefined ? value : ts + 1,
    );
    const output = new BatchingReaderOutput<number>(strategy, () => 0);
    const split = output.createOutputForSplit('a');
    split.collectBatch?.([100, 200, 300], [1000, Number.NaN]);
    const batch = output.takeBatch();
    expect(batch.values).toEqual([100, 200, 300]);
    expect(batch.timestamps).toEqual([1001, 200, 300]);
    // The generator saw all three: max 1001, minus 5, minus 1.
    expect(output.onPeriodicEmit(0)).toBe(995);
  });
});

describe('runChain process', () => {
  it("gives each record its own timestamp and emit() the input's, batch after batch", () => {
    const seen: (number | undefined)[] = [];
    const ops = [
      {
        kind: 'process' as const,
        name: 'p',
        fn: (value: unknown, ctx: ProcessContext<unknown>) => {
          seen.push(ctx.timestamp);
          ctx.emit(value);
          if (value === 2) ctx.emit('two', 99);
        },
      },
    ];
    const first = runChain(ops, { values: [1, 2], timestamps: [10] }, env);
    const second = runChain(ops, { values: [3], timestamps: [30] }, env);
    expect(seen).toEqual([10, undefined, 30]);
    expect(first).toEqual({ values: [1, 2, 'two'], timestamps: [10, Number.NaN, 99] });
    expect(second).toEqual({ values: [3], timestamps: [30] });
  });
});
