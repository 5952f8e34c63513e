import { hasErrorCode } from '@tributary/core';
import { fakeBatchContext, fakeWriterContext, rejectionOf } from '@tributary/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { ExactlyOncePulsarSinkWriter } from './exactly-once-pulsar-sink-writer.js';
import type { PulsarWriterState } from './pulsar-committable.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';
import { PulsarSinkOptions } from './pulsar-sink-options.js';
import type { PulsarWriterResources } from './pulsar-writer-resources.js';
import { fakeWriterResources } from './testing-fixtures/fake-transactions.js';

const options = PulsarSinkOptions.parse({
  serviceUrl: 'pulsar://localhost:6650',
  deliveryGuarantee: 'exactly-once',
  transactionTimeoutMs: 10_000,
});
const txn = (least: number) => ({ txnMostBits: '0', txnLeastBits: String(least) });

async function openWriter(restored: readonly PulsarWriterState[] = []) {
  const fake = fakeWriterResources<string>();
  const writer = await ExactlyOncePulsarSinkWriter.open(
    fake.resources as unknown as PulsarWriterResources<string>,
    options,
    fakeWriterContext({ subtaskId: 2, parallelism: 3 }),
    restored,
  );
  return { writer, ...fake };
}

describe('ExactlyOncePulsarSinkWriter', () => {
  it('sends a checkpoint’s records in one transaction and hands its id over; the ahead one receives next', async () => {
    const { writer, sent } = await openWriter();
    await writer.write(['a', 'b'], fakeBatchContext());
    await writer.flush(false);
    expect(await writer.prepareCommit()).toEqual([txn(1)]);
    // Both the receiving (2) and the ahead (3) transaction are in the checkpoint state.
    expect(await writer.snapshotState()).toEqual([{ subtaskId: 2, openTransactions: [txn(2), txn(3)] }]);
    await writer.write(['c'], fakeBatchContext());
    expect(await writer.prepareCommit()).toEqual([txn(2)]);
    expect(sent).toEqual([
      { txn: '(0,1)', count: 2 },
      { txn: '(0,2)', count: 1 },
    ]);
    await writer.close();
  });

  it('aborts the transactions restored states list before opening its own', async () => {
    const { writer, ender } = await openWriter([{ subtaskId: 2, openTransactions: [txn(40), txn(41)] }]);
    expect(ender.calls.map((c) => `${c.action} ${c.id.leastBits}`)).toEqual(['abort 40', 'abort 41']);
    expect(await writer.snapshotState()).toEqual([{ subtaskId: 2, openTransactions: [txn(1), txn(2)] }]);
    await writer.close();
  });

  it('keeps an empty transaction across checkpoints while it is young, and hands over nothing', async () => {
    const { writer, aborted } = await openWriter();
    expect(await writer.prepareCommit()).toEqual([]);
    expect(await writer.prepareCommit()).toEqual([]);
    expect(aborted).toEqual([]);
    expect(await writer.snapshotState()).toEqual([{ subtaskId: 2, openTransactions: [txn(1), txn(2)] }]);
    await writer.close();
  });

  it('refuses to pre-commit a transaction too close to its timeout, naming the option', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { writer } = await openWriter();
      await writer.write(['a'], fakeBatchContext());
      vi.setSystemTime(Date.now() + 9_500);
      const error = await rejectionOf(writer.prepareCommit());
      expect(hasErrorCode(error, PulsarSinkErrorCodes.TXN_TIMED_OUT)).toBe(true);
      expect(error.message).toContain('pulsar.sink.transactionTimeoutMs');
      await writer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('after the end of input: the last transaction is handed over, nothing new opens, close aborts what it owns', async () => {
    const { writer, aborted, state } = await openWriter();
    await writer.write(['a'], fakeBatchContext());
    await writer.flush(true);
    expect(await writer.prepareCommit()).toEqual([txn(1)]);
    expect(await writer.snapshotState()).toEqual([{ subtaskId: 2, openTransactions: [txn(2)] }]);
    // A later checkpoint finds nothing to do.
    await writer.flush(false);
    expect(await writer.prepareCommit()).toEqual([]);
    await writer.close();
    expect(aborted).toEqual(['(0,2)']);
    expect(state.released).toBe(true);
    await expect(writer.write(['b'], fakeBatchContext())).rejects.toThrow(/after close/);
  });
});
