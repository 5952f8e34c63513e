import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { SourceHarness } from '../testing-fixtures/source-harness.js';
import { CollectionSource } from './collection-source.js';

const values = Array.from({ length: 2_345 }, (_, i) => ({ n: i, tag: i % 2 === 0 ? 'even' : 'odd' }));

describe('CollectionSource', () => {
  it('reads every value once, each slice in order, one slice per reader by default', async () => {
    const source = CollectionSource.of(values, { timestamp: (v) => 10_000 + v.n });
    expect(source.boundedness).toBe('bounded');
    const h = await SourceHarness.start(source, { parallelism: 3 });
    await h.run();
    // Slices are contiguous and each reader reads its slice in order, so reader order = array order.
    expect(h.values()).toEqual(values);
    expect(h.outputs.map((o) => o.released)).toEqual([['collection-0'], ['collection-1'], ['collection-2']]);
    for (const o of h.outputs) for (const r of o.records) expect(r.timestamp).toBe(10_000 + r.value.n);
  });

  it('resumes at the exact position after a restore', async () => {
    const source = CollectionSource.of(values, { numSplits: 4, maxRecordsPerPoll: 100 });
    const first = await SourceHarness.start(source, { parallelism: 2 });
    await first.runUntilCount(1_000);
    const snapshot = await first.checkpoint(3);
    const before = first.values();
    await first.runUntilCount(1_500); // lost with the failed attempt
    const second = await SourceHarness.start(source, { parallelism: 2, restore: snapshot });
    await second.run();
    const all = [...before, ...second.values()].map((v) => v.n).sort((a, b) => a - b);
    expect(all).toEqual(values.map((v) => v.n));
  });

  it('handles an empty collection and more readers than values', async () => {
    const empty = await SourceHarness.start(CollectionSource.of([]), { parallelism: 2 });
    await empty.run();
    expect(empty.values()).toEqual([]);
    expect(empty.finished).toEqual([true, true]);
    const small = await SourceHarness.start(CollectionSource.of(['a', 'b']), { parallelism: 4 });
    await small.run();
    expect(small.values().sort()).toEqual(['a', 'b']);
  });

  it('reports { count } as end position unless one is given', async () => {
    const h = await SourceHarness.start(CollectionSource.of([1, 2, 3]), { parallelism: 1 });
    expect(h.enumerator.endPosition?.()).toEqual({ count: 3 });
    const custom = await SourceHarness.start(CollectionSource.of([1], { endPosition: { maxTs: 42 } }), {
      parallelism: 1,
    });
    expect(custom.enumerator.endPosition?.()).toEqual({ maxTs: 42 });
  });

  it('rejects values JSON cannot carry', () => {
    try {
      CollectionSource.of([1n, 2n]);
      expect.unreachable();
    } catch (error) {
      expect(hasErrorCode(error, 'TRIB_COLLECTION_NOT_SERIALIZABLE')).toBe(true);
    }
    expect(() => CollectionSource.of([1], { numSplits: 0 })).toThrow(/collection\.source\.numSplits/);
  });
});
