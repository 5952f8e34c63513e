import { hasErrorCode } from '@tributary/core';
import { recordingCommitRequests } from '@tributary/core/testing';
import { type EndTxnOutcome, PulsarTimeoutError, type TxnId, txnIdToString } from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import type { PulsarCommittable } from './pulsar-committable.js';
import { PulsarCommitter } from './pulsar-committer.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';
import { PulsarSinkOptions } from './pulsar-sink-options.js';
import {
  committerContextWithRegistry,
  fakeTransactionEnder,
  serverError,
} from './testing-fixtures/fake-transactions.js';

const options = PulsarSinkOptions.parse({
  serviceUrl: 'pulsar://localhost:6650',
  deliveryGuarantee: 'exactly-once',
});
const txn = (least: number): PulsarCommittable => ({ txnMostBits: '1', txnLeastBits: String(least) });

async function commitWith(
  answers: Record<string, (EndTxnOutcome | Error)[]>,
  committables: PulsarCommittable[],
) {
  const ender = fakeTransactionEnder(answers);
  const { ctx, registry } = committerContextWithRegistry();
  const committer = new PulsarCommitter(options, ctx, async () => ender);
  const { requests, outcomes } = recordingCommitRequests(committables);
  await committer.commit(requests);
  await committer.close();
  return { outcomes, calls: ender.calls, notFound: registry.sum('transactionsNotFound') };
}

describe('PulsarCommitter', () => {
  it('commits each transaction by its stored id (END_TXN commit, no writer needed)', async () => {
    const { outcomes, calls } = await commitWith({}, [txn(7), txn(8)]);
    expect(outcomes).toEqual([{ kind: 'success' }, { kind: 'success' }]);
    expect(calls.map((c) => `${c.action} ${txnIdToString(c.id as TxnId)}`).sort()).toEqual([
      'commit (1,7)',
      'commit (1,8)',
    ]);
  });

  it('treats TransactionNotFound as already committed or expired: counted, the job goes on', async () => {
    const { outcomes, notFound } = await commitWith({ '(1,7)': ['not-found'] }, [txn(7), txn(8)]);
    expect(outcomes).toEqual([{ kind: 'already' }, { kind: 'success' }]);
    expect(notFound).toBe(1);
  });

  it('retries later on a timeout or a lost connection', async () => {
    const { outcomes } = await commitWith({ '(1,7)': [new PulsarTimeoutError('no answer')] }, [txn(7)]);
    expect(outcomes).toEqual([{ kind: 'retry' }]);
  });

  it('fails the job with a typed error naming the transaction on any other broker answer', async () => {
    const { outcomes } = await commitWith({ '(1,7)': [serverError('NotAllowedError')] }, [txn(7)]);
    const outcome = outcomes[0] as { kind: string; error: unknown };
    expect(outcome.kind).toBe('unknown');
    expect(hasErrorCode(outcome.error, PulsarSinkErrorCodes.COMMIT_FAILED)).toBe(true);
    expect(String((outcome.error as Error).message)).toContain('(1,7)');
  });
});
