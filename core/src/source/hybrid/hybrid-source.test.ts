import { describe, expect, it } from 'vitest';
import type { AnySource } from '../../api/source.js';
import { CollectionSource } from '../../builtins/collection/collection-source.js';
import {
  type DataGeneratorEndPosition,
  DataGeneratorSource,
} from '../../builtins/datagen/data-generator-source.js';
import { fakeReaderContext } from '../../builtins/testing-fixtures/fake-contexts.js';
import {
  CollectingReaderOutput,
  SourceHarness,
  type SourceSnapshot,
} from '../../builtins/testing-fixtures/source-harness.js';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { HybridSource } from './hybrid-source.js';
import type { HybridSourceFactoryContext } from './hybrid-source-entries.js';
import { type HybridSourceSplit, hybridEnumeratorStateSerializer, wrapSplit } from './hybrid-source-split.js';

interface Rec {
  readonly src: string;
  readonly n: number;
}

const range = (src: string, from: number, count: number): Rec[] =>
  Array.from({ length: count }, (_, i) => ({ src, n: from + i }));

/** Files-then-more-files-then-"Kafka": two bounded collections, then a datagen built from B's end. */
function threeStageSource(
  factoryCalls: HybridSourceFactoryContext[] = [],
  thirdCount: number | 'unbounded' = 12,
) {
  const a = CollectionSource.of(range('a', 0, 17), { maxRecordsPerPoll: 3, numSplits: 3 });
  const b = CollectionSource.of(range('b', 100, 13), {
    maxRecordsPerPoll: 3,
    endPosition: { nextIndex: 500 },
  });
  return HybridSource.builder<Rec>(a)
    .addSource(b)
    .addSource(
      (ctx) => {
        factoryCalls.push(ctx);
        const { nextIndex } = ctx.previousEndPosition as DataGeneratorEndPosition;
        return new DataGeneratorSource<Rec>({
          generator: (i) => ({ src: 'c', n: i }),
          startIndex: nextIndex,
          maxRecordsPerPoll: 3,
          ...(thirdCount === 'unbounded' ? {} : { count: thirdCount }),
        });
      },
      thirdCount === 'unbounded' ? 'unbounded' : 'bounded',
    )
    .build();
}

const ALL: Rec[] = [...range('a', 0, 17), ...range('b', 100, 13), ...range('c', 500, 12)];
const key = (r: Rec) => `${r.src}${r.n}`;
const sortedKeys = (records: readonly Rec[]) => records.map(key).sort();

describe('HybridSource builder', () => {
  it('allows only the last source to be unbounded, with a typed error', () => {
    const bounded = CollectionSource.of([1]);
    const unbounded = new DataGeneratorSource({ generator: (i) => i });
    expect(HybridSource.builder(bounded).addSource(unbounded).build().boundedness).toBe('unbounded');
    expect(HybridSource.builder<number>(bounded).addSource(bounded).build().boundedness).toBe('bounded');
    try {
      HybridSource.builder<number>(unbounded).addSource(bounded).build();
      expect.unreachable();
    } catch (error) {
      expect(hasErrorCode(error, 'TRIB_HYBRID_UNBOUNDED_SOURCE')).toBe(true);
      expect((error as Error).message).toMatch(/source 0 of 2 is unbounded/);
    }
    expect(() =>
      HybridSource.builder<number>(bounded)
        .addSource(() => unbounded, 'unbounded')
        .addSource(bounded)
        .build(),
    ).toThrow(/source 1 of 3 is unbounded/);
    expect(() => HybridSource.builder<number>(bounded).addSource((() => bounded) as never)).toThrow(
      /boundedness/,
    );
    expect(() => HybridSource.builder({} as AnySource<number>)).toThrow(/not a source/);
  });
});

describe('HybridSource', () => {
  it('reads the sources in order, switching only when every reader finished the current one', async () => {
    const calls: HybridSourceFactoryContext[] = [];
    const h = await SourceHarness.start(threeStageSource(calls), { parallelism: 2 });
    await h.run();
    expect(h.finished).toEqual([true, true]);
    expect(sortedKeys(h.values())).toEqual(sortedKeys(ALL));
    // Globally, every record of source i is emitted before any record of source i + 1.
    const bySeq = h.outputs.flatMap((o) => o.records).sort((x, y) => x.seq - y.seq);
    const stages = bySeq.map((r) => r.value.src);
    expect(stages).toEqual([...stages].sort());
    // Split outputs carry the hybrid split ids.
    expect(h.outputs.flatMap((o) => o.released).sort()).toEqual(
      [
        '0:collection-0',
        '0:collection-1',
        '0:collection-2',
        '1:collection-0',
        '1:collection-1',
        '2:datagen-0',
        '2:datagen-1',
      ].sort(),
    );
    // The third source was built from B's end position, on the coordinator and in each reader.
    expect(calls.map((c) => c.previousEndPosition)).toEqual([
      { nextIndex: 500 },
      { nextIndex: 500 },
      { nextIndex: 500 },
    ]);
    expect(calls.every((c) => c.sourceIndex === 2)).toBe(true);
  });

  it('hands the previous enumerator end position to the next source (no position: undefined)', async () => {
    const seen: unknown[] = [];
    const first = new DataGeneratorSource({ generator: (i) => i, count: 7 });
    const source = HybridSource.builder<number>(first)
      .addSource(({ previousEndPosition }) => {
        seen.push(previousEndPosition);
        const start = (previousEndPosition as DataGeneratorEndPosition).nextIndex;
        return new DataGeneratorSource({ generator: (i) => i, startIndex: start, count: 3 });
      }, 'bounded')
      .addSource(({ previousEndPosition }) => {
        seen.push(previousEndPosition);
        return CollectionSource.of([1000]);
      }, 'bounded')
      .build();
    const h = await SourceHarness.start(source, { parallelism: 1 });
    await h.run();
    expect(h.values()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000]);
    expect(seen).toEqual([{ nextIndex: 7 }, { nextIndex: 7 }, { nextIndex: 10 }, { nextIndex: 10 }]);
    expect(h.enumerator.endPosition?.()).toEqual({ count: 1 });
  });

  it('resumes exactly once from a checkpoint taken at any point of any stage', async () => {
    // 42 records, ≤ 3 per poll, 2 readers: every few records is a different stage/state.
    for (let cut = 0; cut <= ALL.length; cut += 2) {
      const first = await SourceHarness.start(threeStageSource(), { parallelism: 2 });
      await first.runUntilCount(cut);
      const snapshot = await first.checkpoint(1);
      const before = first.values();
      await first.runUntilCount(cut + 5); // lost with the failed attempt
      await first.close();
      const second = await SourceHarness.start(threeStageSource(), { parallelism: 2, restore: snapshot });
      await second.run();
      const all = [...before, ...second.values()];
      expect(sortedKeys(all), `checkpoint after ${before.length} records`).toEqual(sortedKeys(ALL));
    }
  });

  it('checkpoints the current source index and the end position it was built from', async () => {
    const h = await SourceHarness.start(threeStageSource(), { parallelism: 2 });
    const stateOf = (s: SourceSnapshot) =>
      hybridEnumeratorStateSerializer.deserialize(s.enumerator.version, s.enumerator.bytes);
    await h.runUntilCount(5);
    expect(stateOf(await h.checkpoint(1))).toMatchObject({ sourceIndex: 0 });
    await h.run(() => h.values().some((r) => r.src === 'b'));
    const mid2 = await h.checkpoint(2);
    expect(stateOf(mid2)).toMatchObject({ sourceIndex: 1, previousEndPosition: { count: 17 } });
    // Readers hold only splits of the current source.
    const splits = mid2.readers.flat().map((b) => h.source.splitSerializer.deserialize(b.version, b.bytes));
    expect(splits.every((s) => (s as HybridSourceSplit).sourceIndex === 1)).toBe(true);
    await h.run(() => h.values().some((r) => r.src === 'c'));
    expect(stateOf(await h.checkpoint(3))).toMatchObject({
      sourceIndex: 2,
      previousEndPosition: { nextIndex: 500 },
    });
  });

  it('restores when a reader finished a source but its report was still in flight', async () => {
    // Source A has one slice: reader 1 has nothing and finishes source 0 at once.
    const a = CollectionSource.of(range('a', 0, 9), { numSplits: 1, maxRecordsPerPoll: 2 });
    const b = CollectionSource.of(range('b', 100, 4), { maxRecordsPerPoll: 2 });
    const make = () => HybridSource.builder<Rec>(a).addSource(b).build();
    const h = await SourceHarness.start(make(), { parallelism: 2 });
    expect(h.poll(0)).toBe('more');
    expect(h.poll(1)).toBe('nothing'); // underlying ended → readerFinished(0) queued, not delivered
    const snapshot = await h.checkpoint(1, { holdReaderEvents: true });
    const before = h.values();
    const restored = await SourceHarness.start(make(), { parallelism: 2, restore: snapshot });
    await restored.run();
    expect(sortedKeys([...before, ...restored.values()])).toEqual(
      sortedKeys([...range('a', 0, 9), ...range('b', 100, 4)]),
    );
  });

  it('restores with a different parallelism in the middle of the second source', async () => {
    const first = await SourceHarness.start(threeStageSource(), { parallelism: 2 });
    await first.run(() => first.values().filter((r) => r.src === 'b').length >= 4);
    const snapshot = await first.checkpoint(1);
    const before = first.values();
    const second = await SourceHarness.start(threeStageSource(), { parallelism: 3, restore: snapshot });
    await second.run();
    expect(sortedKeys([...before, ...second.values()])).toEqual(sortedKeys(ALL));
  });

  it('keeps reading an unbounded last source', async () => {
    const h = await SourceHarness.start(threeStageSource([], 'unbounded'), { parallelism: 2 });
    expect(h.source.boundedness).toBe('unbounded');
    await h.runUntilCount(17 + 13 + 50);
    const c = h
      .values()
      .filter((r) => r.src === 'c')
      .map((r) => r.n);
    expect(c.length).toBeGreaterThanOrEqual(50);
    expect(Math.min(...c)).toBe(500);
    expect(h.finished).toEqual([false, false]);
    await h.close();
  });

  it('fails the job with a typed error when a factory throws or builds an unbounded middle source', async () => {
    const one = CollectionSource.of([1]);
    const throwing = HybridSource.builder<number>(one)
      .addSource(() => {
        throw new Error('no connection');
      }, 'bounded')
      .build();
    const h = await SourceHarness.start(throwing, { parallelism: 1 });
    await expect(h.run()).rejects.toMatchObject({ code: 'TRIB_HYBRID_SOURCE_FACTORY' });

    const lying = HybridSource.builder<number>(one)
      .addSource(() => new DataGeneratorSource({ generator: (i) => i }), 'bounded')
      .addSource(one)
      .build();
    const h2 = await SourceHarness.start(lying, { parallelism: 1 });
    await expect(h2.run()).rejects.toMatchObject({ code: 'TRIB_HYBRID_UNBOUNDED_SOURCE' });
  });

  it('reader: asks for its restored source, waits for the switch, then reads', async () => {
    const a = CollectionSource.of(['x', 'y', 'z']);
    const b = CollectionSource.of(['p', 'q']);
    const source = HybridSource.builder<string>(a).addSource(b).build();
    const ctx = fakeReaderContext(0, 1);
    const reader = source.createReader(ctx);
    const restoredSplit = wrapSplit(1, b.splitSerializer, {
      splitId: 'collection-0',
      ordinal: 0,
      offset: 0,
      values: ['p', 'q'],
      position: 1,
    });
    reader.addSplits([restoredSplit]);
    reader.start();
    expect(ctx.sent).toEqual([{ hybrid: 'readerStarted', sourceIndex: 1 }]);
    const output = new CollectingReaderOutput<string>();
    expect(reader.pollNext(output)).toBe('nothing');
    let woke = false;
    const available = reader.isAvailable().then(() => {
      woke = true;
    });
    await Promise.resolve();
    expect(woke).toBe(false);
    reader.handleSourceEvent?.({ hybrid: 'switchSource', sourceIndex: 1, final: true });
    await available;
    expect(reader.snapshotState(1)).toEqual([{ ...restoredSplit }]);
    expect(reader.pollNext(output)).toBe('more');
    reader.notifyNoMoreSplits();
    expect(reader.pollNext(output)).toBe('end');
    expect(output.values()).toEqual(['q']);
    // A switch to an older source is a duplicate and ignored.
    reader.handleSourceEvent?.({ hybrid: 'switchSource', sourceIndex: 0, final: false });
    await reader.close();
  });
});
