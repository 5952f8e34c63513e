import { silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { KafkaTransactionAborter, transactionalIdOf } from './kafka-transaction-aborter.js';

/** A fake broker: ids initialized so far and their epochs (InitProducerId semantics). */
function fakeBroker(used: readonly string[]) {
  const epochs = new Map<string, number>(used.map((id) => [id, 0]));
  const probed: string[] = [];
  const probe = async (id: string) => {
    probed.push(id);
    const next = epochs.has(id) ? (epochs.get(id) as number) + 1 : 0;
    epochs.set(id, next);
    return next;
  };
  return { probe, probed };
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
    // p-0-8 was probed (fresh) and p-1-5 checked beyond the parallelism.
    expect(broker.probed).toEqual(['p-0-5', 'p-0-6', 'p-0-7', 'p-0-8', 'p-1-5']);
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

  it('a second restore finds the ids the first one probed and still terminates', async () => {
    const broker = fakeBroker(['p-0-1']);
    const aborter = new KafkaTransactionAborter(broker.probe, silentLogger);
    const scope = { prefixes: ['p'], subtaskId: 0, parallelism: 1, restoredParallelism: 1, startIndex: 1 };
    expect(await aborter.abortLingering(scope)).toEqual(['p-0-1']);
    // The first restore left p-0-2 and p-1-1 initialized (epoch 0); they now read as used, once.
    expect(await aborter.abortLingering(scope)).toEqual(['p-0-1', 'p-0-2', 'p-1-1']);
  });
});
