import { hasErrorCode, silentLogger } from '@tributary/core';
import { rejectionOf } from '@tributary/core/testing';
import { PulsarTimeoutError, txnIdToString } from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import type { PulsarWriterState } from './pulsar-committable.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';
import { abortLingeringTransactions } from './pulsar-transaction-aborter.js';
import { fakeTransactionEnder, serverError } from './testing-fixtures/fake-transactions.js';

const state = (subtaskId: number, ...least: number[]): PulsarWriterState => ({
  subtaskId,
  openTransactions: least.map((l) => ({ txnMostBits: '0', txnLeastBits: String(l) })),
});

describe('abortLingeringTransactions', () => {
  it('aborts every transaction the restored states list as open, once each (states of several old subtasks)', async () => {
    const ender = fakeTransactionEnder();
    const aborted = await abortLingeringTransactions(
      ender,
      [state(0, 5, 6), state(1, 9, 10), state(0, 6)],
      silentLogger,
    );
    expect(ender.calls.map((c) => `${c.action} ${txnIdToString(c.id)}`)).toEqual([
      'abort (0,5)',
      'abort (0,6)',
      'abort (0,9)',
      'abort (0,10)',
    ]);
    expect(aborted.map(txnIdToString)).toEqual(['(0,5)', '(0,6)', '(0,9)', '(0,10)']);
  });

  it('skips transactions that already ended (an earlier restore, the timeout, or their writer aborted them)', async () => {
    const ender = fakeTransactionEnder({
      '(0,5)': ['not-found'],
      '(0,6)': [serverError('TransactionNotFound')],
      '(0,7)': [serverError('InvalidTxnStatus')],
    });
    const aborted = await abortLingeringTransactions(ender, [state(0, 5, 6, 7, 8)], silentLogger);
    expect(aborted.map(txnIdToString)).toEqual(['(0,8)']);
  });

  it('fails the restore with a typed, retriable error when the coordinator cannot be reached', async () => {
    const ender = fakeTransactionEnder({ '(0,5)': [new PulsarTimeoutError('no answer')] });
    const error = await rejectionOf(abortLingeringTransactions(ender, [state(3, 5)], silentLogger));
    expect(hasErrorCode(error, PulsarSinkErrorCodes.REQUEST_FAILED)).toBe(true);
    expect((error as Error).message).toContain('(0,5) of subtask 3');
  });
});
