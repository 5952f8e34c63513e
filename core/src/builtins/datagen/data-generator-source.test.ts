import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SourceReader } from '../../api/source.js';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { FakeEnumeratorContext, fakeReaderContext } from '../testing-fixtures/fake-contexts.js';
import { CollectingReaderOutput, SourceHarness } from '../testing-fixtures/source-harness.js';
import { DataGeneratorSource, type DataGeneratorSplit } from './data-generator-source.js';

const record = (i: number) => ({ id: i, name: `user-${i}` });

function idsBySplit(h: SourceHarness<{ id: number }>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const o of h.outputs) {
    for (const r of o.records) {
      const key = r.splitId ?? '?';
      out.set(key, [...(out.get(key) ?? []), r.value.id]);
    }
  }
  return out;
}

describe('DataGeneratorSource', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('bounded: emits every index exactly once, in index order per split, with timestamps', async () => {
    const source = new DataGeneratorSource({ generator: record, count: 10_000, timestamp: (i) => 1_000 + i });
    expect(source.boundedness).toBe('bounded');
    const h = await SourceHarness.start(source, { parallelism: 3 });
    await h.run();
    const ids = h.values().map((r) => r.id);
    expect(ids.length).toBe(10_000);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    for (const seq of idsBySplit(h).values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
    for (const o of h.outputs) for (const r of o.records) expect(r.timestamp).toBe(1_000 + r.value.id);
    // Every reader got one split, and released it when done.
    expect(h.outputs.map((o) => o.released.length)).toEqual([1, 1, 1]);
    expect(h.finished).toEqual([true, true, true]);
  });

  it('emits bounded batches per poll (maxRecordsPerPoll)', async () => {
    const source = new DataGeneratorSource({ generator: record, count: 2500, maxRecordsPerPoll: 1000 });
    const h = await SourceHarness.start(source, { parallelism: 1 });
    expect(h.poll(0)).toBe('more');
    expect(h.count()).toBe(1000);
    expect(h.poll(0)).toBe('more');
    expect(h.poll(0)).toBe('more');
    expect(h.count()).toBe(2500);
    expect(h.poll(0)).toBe('end');
  });

  it('is deterministic: two runs produce the same records per split', async () => {
    const run = async () => {
      const h = await SourceHarness.start(
        new DataGeneratorSource({ generator: record, count: 3000, numSplits: 4 }),
        { parallelism: 2 },
      );
      await h.run();
      return idsBySplit(h);
    };
    expect(await run()).toEqual(await run());
  });

  it('resumes exactly after a restore: records before the checkpoint + after restore = the whole sequence once', async () => {
    const source = new DataGeneratorSource({
      generator: record,
      count: 20_000,
      numSplits: 5,
      maxRecordsPerPoll: 700,
    });
    const first = await SourceHarness.start(source, { parallelism: 2 });
    await first.runUntilCount(6_000);
    const snapshot = await first.checkpoint(1);
    const beforeCheckpoint = first.values().map((r) => r.id);
    // Records emitted after the checkpoint are lost with the "crashed" attempt.
    await first.runUntilCount(9_000);
    await first.close();

    const second = await SourceHarness.start(source, { parallelism: 2, restore: snapshot });
    await second.run();
    const all = [...beforeCheckpoint, ...second.values().map((r) => r.id)];
    expect(all.length).toBe(20_000);
    expect(new Set(all).size).toBe(20_000);
    expect(Math.max(...all)).toBe(19_999);
  });

  it('resumes exactly when restored with a different parallelism', async () => {
    const source = new DataGeneratorSource({
      generator: record,
      count: 9_000,
      numSplits: 6,
      maxRecordsPerPoll: 500,
    });
    const first = await SourceHarness.start(source, { parallelism: 3 });
    await first.runUntilCount(2_500);
    const snapshot = await first.checkpoint(7);
    const before = first.values().map((r) => r.id);
    const second = await SourceHarness.start(source, { parallelism: 2, restore: snapshot });
    await second.run();
    const all = [...before, ...second.values().map((r) => r.id)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 9_000 }, (_, i) => i));
  });

  it('unbounded: interleaved splits, exact resume across a restore', async () => {
    const source = new DataGeneratorSource({ generator: record, numSplits: 3, maxRecordsPerPoll: 100 });
    expect(source.boundedness).toBe('unbounded');
    const first = await SourceHarness.start(source, { parallelism: 2 });
    await first.runUntilCount(1_000);
    const snapshot = await first.checkpoint(1);
    const before = idsBySplit(first);
    const second = await SourceHarness.start(source, { parallelism: 2, restore: snapshot });
    await second.runUntilCount(1_000);
    const after = idsBySplit(second);
    for (const [splitId, ids] of before) {
      const seq = [...ids, ...(after.get(splitId) ?? [])];
      const j = Number(splitId.split('-')[1]);
      // Split j owns j, j+3, j+6, ...: no gap and no duplicate across the restore.
      expect(seq).toEqual(seq.map((_, k) => j + 3 * k));
    }
    await second.close();
  });

  it('starts at startIndex and reports the next index as end position', async () => {
    const source = new DataGeneratorSource({ generator: (i) => i, count: 10, startIndex: 100 });
    const h = await SourceHarness.start(source, { parallelism: 2 });
    await h.run();
    expect(h.values().sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    expect(h.enumerator.endPosition?.()).toEqual({ nextIndex: 110 });
    const unbounded = new DataGeneratorSource({ generator: (i) => i });
    const ctx = new FakeEnumeratorContext<DataGeneratorSplit>(1);
    expect(unbounded.createEnumerator(ctx).endPosition?.()).toBeUndefined();
  });

  it('enumerator: assigns evenly on addReader, takes splits back, checkpoints unassigned splits', async () => {
    const source = new DataGeneratorSource({ generator: record, count: 100, numSplits: 5 });
    const ctx = new FakeEnumeratorContext<DataGeneratorSplit>(2);
    const enumerator = source.createEnumerator(ctx);
    enumerator.start();
    expect(ctx.unassignedSplits()).toBe(5);
    enumerator.addReader(1);
    expect(ctx.assigned.get(1)?.map((s) => s.splitId)).toEqual(['datagen-1', 'datagen-3']);
    expect(ctx.noMoreSplits).toEqual([1]);
    const state = await enumerator.snapshotState(1);
    expect(state.unassigned.map((s) => s.splitId)).toEqual(['datagen-0', 'datagen-2', 'datagen-4']);
    // Reader 1 failed at a position: its splits come back and go to it again when it re-registers.
    enumerator.addSplitsBack([{ splitId: 'datagen-1', ordinal: 1, next: 30, end: 40, step: 1 }], 1);
    expect(ctx.unassignedSplits()).toBe(4);
    enumerator.addReader(1);
    expect(ctx.assigned.get(1)?.at(-1)).toEqual({
      splitId: 'datagen-1',
      ordinal: 1,
      next: 30,
      end: 40,
      step: 1,
    });
    expect(ctx.noMoreSplits).toEqual([1, 1]);
    // Restored state round-trips through the serializer.
    const bytes = source.enumeratorStateSerializer.serialize(await enumerator.snapshotState(2));
    const restoredCtx = new FakeEnumeratorContext<DataGeneratorSplit>(2);
    const restored = source.restoreEnumerator(
      restoredCtx,
      source.enumeratorStateSerializer.deserialize(source.enumeratorStateSerializer.version, bytes),
    );
    restored.addReader(0);
    expect(restoredCtx.assigned.get(0)?.map((s) => s.splitId)).toEqual([
      'datagen-0',
      'datagen-2',
      'datagen-4',
    ]);
  });

  it('reader availability waits for splits and for noMoreSplits instead of resolving at once', async () => {
    const source = new DataGeneratorSource({ generator: record, count: 5 });
    const reader = source.createReader(fakeReaderContext());
    const output = new CollectingReaderOutput<{ id: number }>();
    expect(reader.pollNext(output)).toBe('nothing');
    let woke = false;
    const available = reader.isAvailable().then(() => {
      woke = true;
    });
    await flushMicrotasks();
    expect(woke).toBe(false);
    reader.addSplits([{ splitId: 'datagen-0', ordinal: 0, next: 0, end: 5, step: 1 }]);
    await available;
    expect(reader.pollNext(output)).toBe('more');
    expect(reader.pollNext(output)).toBe('nothing');
    let ended = false;
    const last = reader.isAvailable().then(() => {
      ended = true;
    });
    await flushMicrotasks();
    expect(ended).toBe(false);
    reader.notifyNoMoreSplits();
    await last;
    expect(reader.pollNext(output)).toBe('end');
    expect(output.values().map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
  });

  it('hands each poll to a batch-taking output in one collectBatch; a generator failure hands over what came before and keeps its index', async () => {
    let failAt = 7;
    const source = new DataGeneratorSource({
      generator: (i) => {
        if (i === failAt) throw new Error(`generator failed at ${i}`);
        return record(i);
      },
      count: 10,
      timestamp: (i) => 100 + i,
      maxRecordsPerPoll: 4,
    });
    const reader = source.createReader(fakeReaderContext());
    reader.addSplits([{ splitId: 'datagen-0', ordinal: 0, next: 0, end: 10, step: 1 }]);
    const batches: { ids: number[]; timestamps: number[] }[] = [];
    const output = new CollectingReaderOutput<{ id: number }>();
    output.createOutputForSplit = () => ({
      collect: () => {
        throw new Error('a batch-taking output got a single record');
      },
      collectBatch: (records: { id: number }[], timestamps: number[]) =>
        batches.push({ ids: records.map((r) => r.id), timestamps }),
      emitWatermark: () => {},
      markIdle: () => {},
      markActive: () => {},
    });
    expect(reader.pollNext(output)).toBe('more');
    expect(() => reader.pollNext(output)).toThrow('generator failed at 7');
    expect(batches).toEqual([
      { ids: [0, 1, 2, 3], timestamps: [100, 101, 102, 103] },
      { ids: [4, 5, 6], timestamps: [104, 105, 106] },
    ]);
    // The checkpointed position is the failed index: a restore generates it again.
    const [split] = reader.snapshotState(1) as DataGeneratorSplit[];
    expect(split?.next).toBe(7);
    failAt = -1;
    expect(reader.pollNext(output)).toBe('more');
    expect(batches[2]?.ids).toEqual([7, 8, 9]);
  });

  it('rate limiting waits on a timer for the next permit instead of spinning', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const rate = 200; // records/s for the whole source; parallelism 2 → 100/s per reader
    const source = new DataGeneratorSource({ generator: record, recordsPerSecond: rate });
    const reader = source.createReader(fakeReaderContext(0, 2));
    reader.addSplits([{ splitId: 'datagen-0', ordinal: 0, next: 0, end: null, step: 2 }]);
    const output = new CollectingReaderOutput<{ id: number }>();
    const started = performance.now();
    const { polls, pendingWaits } = await pollWithFakeTime(reader, output, 300);
    const elapsedMs = performance.now() - started;
    expect(output.records.length).toBeGreaterThanOrEqual(300);
    // Virtual time: ~300 records at 100/s per reader ≈ 3 s (one permit up front, burst ≤ 10).
    expect(elapsedMs).toBeGreaterThanOrEqual(2_800);
    expect(elapsedMs).toBeLessThanOrEqual(3_100);
    // No busy loop: about one poll per record and every 'nothing' waited on a real timer.
    expect(polls).toBeLessThanOrEqual(2 * output.records.length + 2);
    expect(pendingWaits).toBeGreaterThan(0);
    await reader.close();
  });

  it('validates options and names the bad key', () => {
    const bad = () => new DataGeneratorSource({ generator: record, count: -1 });
    expect(bad).toThrow(/datagen\.source\.count/);
    expect(() => new DataGeneratorSource({ generator: 'nope' as unknown as (i: number) => number })).toThrow(
      /datagen\.source\.generator: must be a function/,
    );
    try {
      new DataGeneratorSource({ generator: record, recordsPerSecond: 0 });
      expect.unreachable();
    } catch (error) {
      expect(hasErrorCode(error, 'TRIB_INVALID_OPTIONS')).toBe(true);
    }
  });
});

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/**
 * Polls like the runtime: on 'nothing' it awaits `isAvailable()`. Fake time only advances to the
 * next timer, so a reader that returned a resolved promise forever would spin without time moving.
 */
async function pollWithFakeTime<T>(
  reader: SourceReader<T, DataGeneratorSplit>,
  output: CollectingReaderOutput<T>,
  target: number,
): Promise<{ polls: number; pendingWaits: number }> {
  let polls = 0;
  let pendingWaits = 0;
  while (output.records.length < target) {
    polls++;
    const status = reader.pollNext(output);
    if (status === 'nothing') {
      let resolved = false;
      const available = reader.isAvailable().then(() => {
        resolved = true;
      });
      await flushMicrotasks();
      if (!resolved) {
        pendingWaits++;
        await vi.advanceTimersToNextTimerAsync();
      }
      await available;
    }
    if (polls > 10 * target) throw new Error('reader is spinning');
  }
  return { polls, pendingWaits };
}
