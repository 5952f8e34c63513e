import { hasErrorCode, silentLogger } from '@tributary/core';
import type {
  EndTxnOutcome,
  MessageId,
  Transaction,
  TransactionCoordinatorClient,
} from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import { PulsarAckTransactions, type SplitAcks } from './pulsar-ack-transactions.js';
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

async function ready(acks: PulsarAckTransactions): Promise<void> {
  while (!acks.isReady) await acks.whenReady();
}

describe('PulsarAckTransactions', () => {
  it('lets the reader emit only with two transactions open ahead', async () => {
    const fake = fakeCoordinator();
    const acks = new PulsarAckTransactions(fake.coordinator, 60_000, silentLogger);
    expect(acks.isReady).toBe(false);
    await ready(acks);
    expect(acks.isReady).toBe(true);
  });

  it('acks a checkpoint in the next transaction, records it for commit and the next for abort, commits on completion', async () => {
    const fake = fakeCoordinator();
    const acks = new PulsarAckTransactions(fake.coordinator, 60_000, silentLogger);
    await ready(acks);
    const c = recordingConsumer();
    const split: SplitAcks = { consumer: c.consumer, topic: 't-partition-0', entries: [entry(1), entry(2)] };

    const first = acks.snapshot(1, [split]);
    expect(first).toEqual({ commit: ['(0,0)'], abort: ['(0,1)'] });
    expect(c.acks).toEqual([{ topic: 't-partition-0', entries: [1, 2], txn: '0' }]);

    // A checkpoint without acks takes no transaction; the pending commit stays listed.
    await ready(acks);
    expect(acks.snapshot(2, [])).toEqual({ commit: ['(0,0)'], abort: ['(0,1)', '(0,2)'] });

    acks.notifyCheckpointComplete(2);
    await acks.settled();
    expect(fake.ended).toEqual(['commit 0']);
    expect(acks.snapshot(3, []).commit).toEqual([]);
  });

  it('commits an aborted checkpoint’s acks with the next completed one, in order', async () => {
    const fake = fakeCoordinator();
    const acks = new PulsarAckTransactions(fake.coordinator, 60_000, silentLogger);
    const c = recordingConsumer();
    await ready(acks);
    acks.snapshot(1, [{ consumer: c.consumer, topic: 't', entries: [entry(1)] }]);
    await ready(acks);
    acks.snapshot(2, [{ consumer: c.consumer, topic: 't', entries: [entry(2)] }]);
    acks.notifyCheckpointComplete(2);
    await acks.settled();
    expect(fake.ended).toEqual(['commit 0', 'commit 1']);
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
    const acks = new PulsarAckTransactions(slow, 60_000, silentLogger);
    const c = recordingConsumer();
    await ready(acks);
    expect(acks.snapshot(1, [{ consumer: c.consumer, topic: 't', entries: [entry(1)] }]).commit).toEqual([
      '(0,0)',
    ]);
    acks.notifyCheckpointComplete(1);
    await ready(acks);
    expect(acks.snapshot(2, [{ consumer: c.consumer, topic: 't', entries: [entry(2)] }]).commit).toEqual([
      '(0,0)',
      '(0,1)',
    ]);
    // Completing checkpoint 2 commits only its own transaction next (checkpoint 1's is on its way).
    acks.notifyCheckpointComplete(2);
    release();
    await acks.settled();
    expect(fake.ended).toEqual(['commit 0', 'commit 1']);
    await ready(acks);
    expect(acks.snapshot(3, []).commit).toEqual([]);
  });

  it('reports a transaction the coordinator no longer knows as lost', async () => {
    const fake = fakeCoordinator('not-found');
    const acks = new PulsarAckTransactions(fake.coordinator, 60_000, silentLogger);
    const c = recordingConsumer();
    await ready(acks);
    acks.snapshot(1, [{ consumer: c.consumer, topic: 't', entries: [entry(1)] }]);
    acks.notifyCheckpointComplete(1);
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
    const acks = new PulsarAckTransactions(fake.coordinator, 60_000, silentLogger);
    await ready(acks);
    const failing = {
      acknowledgeEntriesInTransaction: async () => {
        throw new Error('not connected');
      },
    };
    acks.snapshot(1, [{ consumer: failing, topic: 't', entries: [entry(1)] }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => acks.throwIfFailed()).toThrow(/acking 1 entries of t in \(0,0\) failed: not connected/);
  });

  it('replaces open transactions older than a third of the timeout', async () => {
    const fake = fakeCoordinator();
    let now = 0;
    const acks = new PulsarAckTransactions(fake.coordinator, 30_000, silentLogger, () => now);
    await ready(acks);
    now = 10_001;
    expect(acks.isReady).toBe(false);
    await ready(acks);
    expect(fake.ended.sort()).toEqual(['abort 0', 'abort 1']);
    expect(acks.snapshot(1, []).abort).toEqual(['(0,2)', '(0,3)']);
  });
});
