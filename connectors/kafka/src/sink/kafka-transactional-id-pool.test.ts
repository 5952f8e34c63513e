import { describe, expect, it } from 'vitest';
import { KafkaTransactionalIdPool, type TransactionalIdUse } from './kafka-transactional-id-pool.js';

/** The pool's batched look at ids, answered from `states` (unknown ids are free). */
function usesOf(states: ReadonlyMap<string, TransactionalIdUse>, looks?: string[][]) {
  return async (ids: readonly string[]): Promise<TransactionalIdUse[]> => {
    looks?.push([...ids]);
    return ids.map((id) => states.get(id) ?? 'free');
  };
}

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * A model of one writer subtask under the runtime: transactions pre-committed at each checkpoint,
 * checkpoints completing (stored with every committable not yet committed, then committed) or
 * aborted (their committables carried to the next), commits landing before or after the writer
 * opens its next transaction, and crashes restoring the latest completed checkpoint (its
 * committables re-committed, lingering transactions aborted, a new pool from the stored state).
 */
async function simulate(checkpoints: number, seed: number) {
  const random = lcg(seed);
  const states = new Map<string, 'busy' | 'committed' | 'free'>();
  const use = usesOf(states);
  const initialized = new Set<string>();
  let pool = new KafkaTransactionalIdPool('p', 0, use);
  let uncommitted: string[] = [];
  let stored: { committables: string[]; pending: string[] } = { committables: [], pending: [] };
  let restores = 0;

  const acquire = async (checkpoint: number) => {
    const id = await pool.acquire();
    // Reusing an id the latest completed checkpoint lists would make its re-commit fail after a restore.
    expect(stored.committables, `checkpoint ${checkpoint} reused ${id}`).not.toContain(id);
    expect(uncommitted, `checkpoint ${checkpoint} reused ${id}`).not.toContain(id);
    expect(states.get(id)).not.toBe('busy');
    states.set(id, 'free'); // InitProducerId: a new epoch, nothing open
    initialized.add(id);
    return id;
  };
  const complete = () => {
    stored = { committables: [...uncommitted], pending: snapshotPending };
    for (const id of uncommitted) states.set(id, 'committed');
    uncommitted = [];
  };

  let snapshotPending: string[] = [];
  let current = await acquire(0);
  for (let checkpoint = 1; checkpoint <= checkpoints; checkpoint++) {
    states.set(current, 'busy'); // records written
    pool.precommitted(current);
    uncommitted.push(current);
    snapshotPending = pool.pendingIds();
    const aborted = random() < 0.2;
    const commitFirst = random() < 0.5;
    if (!aborted && commitFirst) complete();
    current = await acquire(checkpoint);
    if (!aborted && !commitFirst) complete();
    if (random() < 0.02) {
      // Crash: the open and the uncommitted transactions linger; restore the latest checkpoint.
      restores++;
      states.set(current, 'busy');
      for (const id of stored.committables) states.set(id, 'committed'); // re-commit (idempotent)
      // The writer's cleanup aborts what is open, except the ids its state says are pre-committed.
      for (const [id, s] of states) if (s === 'busy' && !stored.pending.includes(id)) states.set(id, 'free');
      // Nothing may stay open: a kept id that is open would be a lingering transaction nobody ends.
      for (const [id, s] of states) expect(s, `${id} left open after restore ${restores}`).not.toBe('busy');
      uncommitted = [];
      pool = new KafkaTransactionalIdPool('p', 0, use);
      pool.restorePending(stored.pending);
      current = await acquire(checkpoint);
    }
  }
  return { initialized, restores, pool };
}

describe('KafkaTransactionalIdPool', () => {
  it('keeps the id count bounded over 1 000 checkpoints with aborted checkpoints, lagging commits and restores', async () => {
    for (const seed of [1, 24, 99]) {
      const { initialized, restores, pool } = await simulate(1000, seed);
      expect(restores).toBeGreaterThan(5);
      // 4 ids with data in every checkpoint, a few more while checkpoints are aborted in a row.
      expect(initialized.size, `seed ${seed}`).toBeLessThanOrEqual(8);
      expect([...initialized].sort()).toEqual(
        Array.from({ length: initialized.size }, (_, k) => `p-0-${k}`).sort(),
      );
      expect(pool.size).toBeLessThanOrEqual(initialized.size);
    }
  });

  it('with every checkpoint committed before the next transaction opens alternates between 2 ids', async () => {
    const states = new Map<string, TransactionalIdUse>();
    const looks: string[][] = [];
    const pool = new KafkaTransactionalIdPool('p', 0, usesOf(states, looks));
    const used: string[] = [];
    for (let checkpoint = 0; checkpoint < 10; checkpoint++) {
      const id = await pool.acquire();
      used.push(id);
      states.set(id, 'busy');
      pool.precommitted(id);
      // The checkpoint completes and commits before the next transaction is opened.
      states.set(id, 'committed');
    }
    expect(used).toEqual(Array.from({ length: 10 }, (_, i) => `p-0-${i % 2}`));
    // One batched look (a DescribeTransactions round trip) per transaction, not one per id.
    expect(looks).toHaveLength(10);
    expect([...(looks[5] ?? [])].sort()).toEqual(['p-0-0', 'p-0-1', 'p-0-2', 'p-0-3']);
  });

  it('never takes an id that is busy for a reason it does not know (a restored commit still retried)', async () => {
    const states = new Map<string, TransactionalIdUse>([['p-0-0', 'busy']]);
    const pool = new KafkaTransactionalIdPool('p', 0, usesOf(states));
    expect(await pool.acquire()).toBe('p-0-1');
    expect(pool.pendingIds()).toEqual(['p-0-0']);
    states.set('p-0-0', 'free'); // aborted by the broker: reusable at once
    expect(await pool.acquire()).toBe('p-0-0');
    expect(pool.pendingIds()).toEqual([]);
  });

  it('keeps restored ids (of any subtask) until a checkpoint after their commit is known complete', async () => {
    const states = new Map<string, TransactionalIdUse>([
      ['p-0-0', 'committed'],
      ['p-2-1', 'busy'],
    ]);
    const pool = new KafkaTransactionalIdPool('p', 0, usesOf(states));
    pool.restorePending(['p-0-0', 'p-2-1']);
    // A second restore from the same checkpoint would re-commit p-0-0: not reused yet.
    expect(await pool.acquire()).toBe('p-0-1');
    states.set('p-0-1', 'busy');
    pool.precommitted('p-0-1');
    expect(await pool.acquire()).toBe('p-0-2');
    // Pending (p-0-0 seen committed is not recorded again: the next checkpoint does not list it).
    expect(pool.pendingIds()).toEqual(['p-0-1', 'p-2-1']);
    // p-0-1's commit proves a checkpoint after the restore completed.
    states.set('p-0-1', 'committed');
    states.set('p-2-1', 'committed');
    expect(await pool.acquire()).toBe('p-0-0');
  });

  it('after a restore from a one-id-per-checkpoint state takes ids from its recorded index until a later checkpoint completes', async () => {
    // The earlier version used p-0-0 … p-0-5 (checkpoint 5 pre-committed p-0-5, whose re-commit
    // is still retried) and recorded nextTransactionIndex 6.
    const states = new Map<string, TransactionalIdUse>([
      ['p-0-0', 'committed'],
      ['p-0-1', 'committed'],
      ['p-0-4', 'committed'],
      ['p-0-5', 'busy'],
    ]);
    const pool = new KafkaTransactionalIdPool('p', 0, usesOf(states));
    pool.restoreLegacy(6);
    // Any id below 6 may be listed by the restored checkpoint (carried-over committables too).
    expect(await pool.acquire()).toBe('p-0-6');
    states.set('p-0-6', 'busy');
    pool.precommitted('p-0-6');
    states.set('p-0-5', 'committed');
    expect(await pool.acquire()).toBe('p-0-7');
    states.set('p-0-7', 'busy');
    pool.precommitted('p-0-7');
    // p-0-6 committed: a checkpoint after the restore is complete, the old ids are free again.
    states.set('p-0-6', 'committed');
    expect(await pool.acquire()).toBe('p-0-0');
  });

  it('does not reuse pending ids when the coordinator cannot tell (Kafka < 3.0)', async () => {
    const pool = new KafkaTransactionalIdPool('p', 0, async (ids) => ids.map(() => 'unknown' as const));
    pool.precommitted(await pool.acquire());
    expect(await pool.acquire()).toBe('p-0-1');
  });
});
