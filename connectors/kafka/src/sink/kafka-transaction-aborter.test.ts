import { silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { KafkaTransactionAborter, transactionalIdOf } from './kafka-transaction-aborter.js';

/**
 * A fake coordinator answering like DescribeTransactions: `open` ids have a transaction in
 * progress, `closed` ones were used with nothing open; anything else was never used. Aborting
 * (InitProducerId) closes an id.
 */
function fakeBroker(open: readonly string[], closed: readonly string[] = []) {
  const states = new Map<string, 'open' | 'closed'>([
    ...open.map((id) => [id, 'open'] as const),
    ...closed.map((id) => [id, 'closed'] as const),
  ]);
  const probed: string[] = [];
  const aborts: string[] = [];
  const probe = {
    inspect: async (id: string) => {
      probed.push(id);
      return states.get(id) ?? ('unused' as const);
    },
    abort: async (id: string) => {
      aborts.push(id);
      states.set(id, 'closed');
    },
  };
  return { probe, probed, aborts, states };
}

describe('KafkaTransactionAborter', () => {
  it('walks its own ids from the start index until a never-used one', async () => {
    const broker = fakeBroker(['p-0-5', 'p-0-6', 'p-0-7']);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 0,
      parallelism: 1,
      restoredParallelism: 1,
      startIndex: 5,
    });
    expect(touched).toEqual(['p-0-5', 'p-0-6', 'p-0-7']);
    // p-0-8 was looked at (never used) and p-1-5 checked beyond the parallelism.
    expect(broker.probed).toEqual(['p-0-5', 'p-0-6', 'p-0-7', 'p-0-8', 'p-1-5']);
    expect(broker.aborts).toEqual(['p-0-5', 'p-0-6', 'p-0-7']);
  });

  it('never touches ids below the start index (those belong to the restored checkpoint)', async () => {
    const broker = fakeBroker(['p-0-1', 'p-0-2', 'p-0-3']);
    await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 0,
      parallelism: 1,
      restoredParallelism: 1,
      startIndex: 3,
    });
    expect(broker.probed.every((id) => Number(id.split('-')[2]) >= 3)).toBe(true);
  });

  it('after a downscale covers every old subtask congruent to its index', async () => {
    // Old parallelism 5, new 2: writer 1 owns old subtasks 1 and 3.
    const used = [1, 2, 3, 4].flatMap((s) => [transactionalIdOf('p', s, 10), transactionalIdOf('p', s, 11)]);
    const broker = fakeBroker(used);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 1,
      parallelism: 2,
      restoredParallelism: 5,
      startIndex: 10,
    });
    expect(touched).toEqual(['p-1-10', 'p-1-11', 'p-3-10', 'p-3-11']);
  });

  it('keeps probing subtasks below the restored parallelism even when one of them is fresh', async () => {
    const broker = fakeBroker(['p-4-1']);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 0,
      parallelism: 2,
      restoredParallelism: 6,
      startIndex: 1,
    });
    expect(touched).toEqual(['p-4-1']);
  });

  it('follows subtasks above both parallelisms while their first id shows use', async () => {
    const broker = fakeBroker(['p-1-3', 'p-2-3', 'p-2-4']);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 0,
      parallelism: 1,
      restoredParallelism: 0,
      startIndex: 3,
    });
    expect(touched).toEqual(['p-1-3', 'p-2-3', 'p-2-4']);
  });

  it('also cleans up ids of an old prefix', async () => {
    const broker = fakeBroker(['old-0-2']);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['new', 'old'],
      subtaskId: 0,
      parallelism: 1,
      restoredParallelism: 1,
      startIndex: 2,
    });
    expect(touched).toEqual(['old-0-2']);
  });

  it('is idempotent across repeated restores from the same checkpoint (a crash loop walks the same ids)', async () => {
    const broker = fakeBroker(['p-0-1', 'p-0-2']);
    const aborter = new KafkaTransactionAborter(broker.probe, silentLogger);
    const scope = { prefixes: ['p'], subtaskId: 0, parallelism: 1, restoredParallelism: 1, startIndex: 1 };
    expect(await aborter.abortLingering(scope)).toEqual(['p-0-1', 'p-0-2']);
    const first = [...broker.probed];
    for (let restore = 0; restore < 5; restore++) {
      broker.probed.length = 0;
      expect(await aborter.abortLingering(scope)).toEqual([]);
      expect(broker.probed).toEqual(first);
    }
    // Nothing beyond the used ids was ever created.
    expect([...broker.states.keys()].sort()).toEqual(['p-0-1', 'p-0-2']);
  });

  it('walks each subtask from its recorded start, then from the common start (indices above checkpoint ids)', async () => {
    // Subtask 0 recorded 4, subtask 1 recorded 9 (it pre-committed more often): failed attempts
    // restored from this state started both at 9; subtask 0 also left 4, 5 open before the crash.
    const broker = fakeBroker(['p-0-4', 'p-0-5', 'p-0-9', 'p-1-9'], ['p-0-3']);
    const recordedStarts = new Map([
      ['p-0', 4],
      ['p-1', 9],
    ]);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 0,
      parallelism: 1,
      restoredParallelism: 2,
      startIndex: 9,
      recordedStarts,
    });
    expect(touched).toEqual(['p-0-4', 'p-0-5', 'p-0-9', 'p-1-9']);
    // Ids below a subtask's recorded start belong to the restored checkpoint: never looked at.
    expect(broker.probed).not.toContain('p-0-3');
  });

  it('never aborts ids it is told to keep (restored pre-commits whose commit is still pending)', async () => {
    const broker = fakeBroker(['p-0-0', 'p-0-1']);
    const touched = await new KafkaTransactionAborter(broker.probe, silentLogger).abortLingering({
      prefixes: ['p'],
      subtaskId: 0,
      parallelism: 1,
      restoredParallelism: 1,
      startIndex: 0,
      keep: (id) => id === 'p-0-0',
    });
    expect(touched).toEqual(['p-0-1']);
    expect(broker.states.get('p-0-0')).toBe('open');
  });
});
