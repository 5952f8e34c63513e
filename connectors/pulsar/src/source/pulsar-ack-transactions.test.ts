import { hasErrorCode, silentLogger } from '@tributary/core';
import type {
  EndTxnOutcome,
  MessageId,
  Transaction,
  TransactionCoordinatorClient,
} from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import {
  type AckTransactionsOptions,
  PulsarAckTransactions,
  type SplitAcks,
} from './pulsar-ack-transactions.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';

/** A coordinator whose transactions record how they ended. */
function fakeCoordinator(commitOutcome: EndTxnOutcome = 'committed') {
  let next = 0;
  const ended: string[] = [];
  const coordinator = {
    newTransaction: async () => {
      const least = BigInt(next++);
      return {
        id: { mostBits: 0n, leastBits: least },
        commit: async () => {
          ended.push(`commit ${least}`);
          return commitOutcome;
        },
        abort: async () => {
          ended.push(`abort ${least}`);
          return 'aborted';
        },
      } as unknown as Transaction;
    },
  } as unknown as TransactionCoordinatorClient;
  return { coordinator: async () => coordinator, ended };
}

const entry = (e: number): MessageId => ({
  ledgerId: 1n,
  entryId: BigInt(e),
  partition: -1,
  batchIndex: -1,
  batchSize: 0,
});

/** A consumer recording which transaction each ack went into. */
function recordingConsumer() {
  const acks: { topic: string; entries: number[]; txn: string }[] = [];
  return {
    acks,
    consumer: {
      acknowledgeEntriesInTransaction: async (
        topic: string,
        entries: readonly MessageId[],
        txn: Transaction,
      ) => {
        acks.push({ topic, entries: entries.map((e) => Number(e.entryId)), txn: String(txn.id.leastBits) });
      },
    },
  };
}

function ackTransactions(
  coordinator: () => Promise<TransactionCoordinatorClient>,
  options: Partial<AckTransactionsOptions> = {},
): PulsarAckTransactions {
  return new PulsarAckTransactions(coordinator, {
    timeoutMs: 60_000,
    periodicCheckpoints: true,
    logger: silentLogger,
    ...options,
  });
}

/** Lets the (immediate) fake coordinator open what was asked for. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Opens the transactions ahead and completes checkpoint `id` recording them: emitting is allowed. */
async function usable(acks: PulsarAckTransactions, id: number): Promise<void> {
  void acks.isReady;
  await settle();
  acks.snapshot(id, []);
  acks.notifyCheckpointComplete(id);
  expect(acks.isReady).toBe(true);
}

const split = (c: ReturnType<typeof recordingConsumer>, ...entries: number[]): SplitAcks => ({
  splitId: 't@0',
  consumer: c.consumer,
  topic: 't',
  entries: entries.map(entry),
});

describe('PulsarAckTransactions', () => {
  it('lets the reader emit only once a completed checkpoint recorded the transaction that takes the acks', async () => {
    // A run killed after a snapshot and before any checkpoint of its own completed restores an
    // older checkpoint: acks in a transaction that checkpoint does not list would never be
    // aborted, and their messages would come back only after the coordinator's timeout.
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator);
    expect(acks.isReady).toBe(false);
    await settle();
    expect(acks.isReady).toBe(false);
    const waiting = acks.whenReady();
    expect(acks.snapshot(1, [])).toEqual({ commit: [], abort: ['(0,0)', '(0,1)', '(0,2)'] });
    expect(acks.isReady).toBe(false);
    acks.notifyCheckpointComplete(1);
    await waiting;
    expect(acks.isReady).toBe(true);
  });

  it('acks a checkpoint in the next transaction, records it for commit and the open ones for abort, commits on completion', async () => {
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator);
    await usable(acks, 1);
    const c = recordingConsumer();

    const first = acks.snapshot(2, [split(c, 1, 2)]);
    expect(first).toEqual({ commit: ['(0,0)'], abort: ['(0,1)', '(0,2)'] });
    expect(c.acks).toEqual([{ topic: 't', entries: [1, 2], txn: '0' }]);
    // The next transaction was recorded by checkpoint 1, which completed: emitting goes on.
    expect(acks.isReady).toBe(true);
    await settle();

    // A checkpoint without acks takes no transaction; the pending commit stays listed.
    expect(acks.snapshot(3, [])).toEqual({ commit: ['(0,0)'], abort: ['(0,1)', '(0,2)', '(0,3)'] });

    acks.notifyCheckpointComplete(3);
    await acks.settled();
    expect(fake.ended).toEqual(['commit 0']);
    expect(acks.snapshot(4, []).commit).toEqual([]);
  });

  it('never emits for a transaction only an uncompleted checkpoint recorded', async () => {
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator);
    await usable(acks, 1);
    const c = recordingConsumer();
    // Checkpoints 2, 3 and 4 take (0,0), (0,1) and (0,2), all recorded by the completed
    // checkpoint 1, and do not complete: restoring checkpoint 1 aborts all three.
    for (const id of [2, 3, 4]) {
      expect(acks.isReady).toBe(true);
      acks.snapshot(id, [split(c, id)]);
      await settle();
    }
    expect(c.acks.map((a) => a.txn)).toEqual(['0', '1', '2']);
    // (0,3) was opened after checkpoint 2's snapshot: checkpoint 3 is the first to record it.
    expect(acks.isReady).toBe(false);
    acks.notifyCheckpointComplete(2);
    expect(acks.isReady).toBe(false);
    acks.notifyCheckpointComplete(3);
    expect(acks.isReady).toBe(true);
  });

  it('keeps a transaction whose commit is in flight in the next checkpoint’s commit list', async () => {
    // The commit of checkpoint 1 is still on its way when checkpoint 2 is taken: a crash now
    // restores checkpoint 2, which must commit checkpoint 1's acks too, or they stay open until
    // the coordinator's timeout aborts them and the broker redelivers messages already emitted.
    const fake = fakeCoordinator();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = async () => {
      const coordinator = await fake.coordinator();
      return {
        newTransaction: async (timeoutMs: number) => {
          const txn = await coordinator.newTransaction(timeoutMs);
          const commit = txn.commit.bind(txn);
          return Object.assign(txn, {
            commit: async () => {
              await held;
              return commit();
            },
          });
        },
      } as unknown as TransactionCoordinatorClient;
    };
    const acks = ackTransactions(slow);
    const c = recordingConsumer();
    await usable(acks, 1);
    expect(acks.snapshot(2, [split(c, 1)]).commit).toEqual(['(0,0)']);
    acks.notifyCheckpointComplete(2);
    expect(acks.isReady).toBe(true);
    expect(acks.snapshot(3, [split(c, 2)]).commit).toEqual(['(0,0)', '(0,1)']);
    // Completing checkpoint 3 commits only its own transaction next (checkpoint 2's is on its way).
    acks.notifyCheckpointComplete(3);
    release();
    await acks.settled();
    expect(fake.ended).toEqual(['commit 0', 'commit 1']);
    expect(acks.snapshot(4, []).commit).toEqual([]);
  });

  it('gives each split the entries of every transaction not yet committed, for the checkpoint to carry', async () => {
    // The acks go out while the checkpoint completes: a crash right after it is stored can lose
    // them, so the checkpoint must hold the entries a restore acks again.
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator);
    const c = recordingConsumer();
    await usable(acks, 1);
    acks.snapshot(2, [split(c, 1, 2, 3), { ...split(c, 9), splitId: 'u@0', topic: 'u' }]);
    expect(acks.pendingEntries('t@0')).toEqual({ '(0,0)': '1:1-3' });
    expect(acks.pendingEntries('u@0')).toEqual({ '(0,0)': '1:9' });
    expect(acks.isReady).toBe(true);
    acks.snapshot(3, [split(c, 5)]);
    expect(acks.pendingEntries('t@0')).toEqual({ '(0,0)': '1:1-3', '(0,1)': '1:5' });
    expect(acks.pendingEntries('u@0')).toEqual({ '(0,0)': '1:9' });
    acks.notifyCheckpointComplete(2);
    await acks.settled();
    // Committed: the coordinator holds them now, the checkpoint no longer needs to.
    expect(acks.pendingEntries('t@0')).toEqual({ '(0,1)': '1:5' });
    expect(acks.pendingEntries('u@0')).toBeUndefined();
  });

  it('commits an aborted checkpoint’s acks with the next completed one, in order', async () => {
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator);
    const c = recordingConsumer();
    await usable(acks, 1);
    acks.snapshot(2, [split(c, 1)]);
    expect(acks.isReady).toBe(true);
    acks.snapshot(3, [split(c, 2)]);
    acks.notifyCheckpointComplete(3);
    await acks.settled();
    expect(fake.ended).toEqual(['commit 0', 'commit 1']);
  });

  it('reports a transaction the coordinator no longer knows as lost', async () => {
    const fake = fakeCoordinator('not-found');
    const acks = ackTransactions(fake.coordinator);
    const c = recordingConsumer();
    await usable(acks, 1);
    acks.snapshot(2, [split(c, 1)]);
    acks.notifyCheckpointComplete(2);
    await acks.settled();
    let caught: unknown;
    try {
      acks.throwIfFailed();
    } catch (error) {
      caught = error;
    }
    expect(hasErrorCode(caught, PulsarSourceErrorCodes.ACK_TRANSACTION_LOST)).toBe(true);
    expect(String(caught)).toContain('transactionTimeoutMs');
  });

  it('fails when an ack in the transaction fails (its messages would come again)', async () => {
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator);
    await usable(acks, 1);
    const failing = {
      acknowledgeEntriesInTransaction: async () => {
        throw new Error('not connected');
      },
    };
    acks.snapshot(2, [{ splitId: 't@0', consumer: failing, topic: 't', entries: [entry(1)] }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => acks.throwIfFailed()).toThrow(/acking 1 entries of t in \(0,0\) failed: not connected/);
  });

  it('replaces open transactions older than a third of the timeout, but not one emitted records wait for', async () => {
    const fake = fakeCoordinator();
    let now = 0;
    const acks = ackTransactions(fake.coordinator, { timeoutMs: 30_000, now: () => now });
    await usable(acks, 1);
    // Records were emitted for (0,0) (isReady said so): it stays until the snapshot takes it.
    now = 10_001;
    expect(acks.isReady).toBe(true);
    const c = recordingConsumer();
    acks.snapshot(2, [split(c, 1)]);
    expect(c.acks.map((a) => a.txn)).toEqual(['0']);
    // Now nothing waits for the stale ones: replaced, and the new ones need a completed checkpoint.
    expect(acks.isReady).toBe(false);
    await settle();
    expect(fake.ended.sort()).toEqual(['abort 1', 'abort 2']);
    expect(acks.snapshot(3, []).abort).toEqual(['(0,3)', '(0,4)', '(0,5)']);
    acks.notifyCheckpointComplete(3);
    expect(acks.isReady).toBe(true);
  });

  it('without periodic checkpoints, emits once two transactions are open', async () => {
    const fake = fakeCoordinator();
    const acks = ackTransactions(fake.coordinator, { periodicCheckpoints: false });
    expect(acks.isReady).toBe(false);
    await acks.whenReady();
    expect(acks.isReady).toBe(true);
    expect(acks.snapshot(1, []).abort).toEqual(['(0,0)', '(0,1)']);
  });
});
