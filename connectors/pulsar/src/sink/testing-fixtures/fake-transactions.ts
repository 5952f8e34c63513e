/** Test-only: a scripted transaction coordinator for the sink's unit tests. */
import {
  type CommitterInitContext,
  CommitterMetricGroup,
  MetricRegistry,
  silentLogger,
} from '@tributary/core';
import { type EndTxnOutcome, type TxnId, txnIdToString } from '@tributary/pulsar-client';
import type { TransactionEnder } from '../pulsar-transaction-aborter.js';

/** An error shaped like the client's `PulsarServerError` with the broker's code name. */
export function serverError(code: string): Error {
  return Object.assign(new Error(`end transaction: ${code}`), { name: 'PulsarServerError', code });
}

/** One END_TXN the fake received. */
export interface EndTxnCall {
  readonly id: TxnId;
  readonly action: 'commit' | 'abort';
}

/**
 * A coordinator whose END_TXN answers come from a script per transaction id (`"(most,least)"`):
 * each call takes the next answer (an outcome or an error to throw); unscripted calls succeed.
 */
export function fakeTransactionEnder(
  script: Record<string, (EndTxnOutcome | Error)[]> = {},
): TransactionEnder & { readonly calls: EndTxnCall[] } {
  const calls: EndTxnCall[] = [];
  return {
    calls,
    async endTransaction(id, action) {
      calls.push({ id, action });
      const next = script[txnIdToString(id)]?.shift();
      if (next instanceof Error) throw next;
      return next ?? (action === 'commit' ? 'committed' : 'aborted');
    },
  };
}

/**
 * Writer resources over a fake coordinator and a recording pipeline: transactions get ids
 * `(0,1)`, `(0,2)`, …; `sent` lists each send's transaction and message count, `aborted` each
 * transaction the writer aborted itself (`Transaction.abort`), `ender.calls` aborts by id.
 */
export function fakeWriterResources<T>() {
  let counter = 0n;
  const aborted: string[] = [];
  const sent: { readonly txn: string | undefined; readonly count: number }[] = [];
  const ender = fakeTransactionEnder();
  const coordinator = {
    endTransaction: ender.endTransaction,
    async newTransaction() {
      counter++;
      const id: TxnId = { mostBits: 0n, leastBits: counter };
      return {
        id,
        async abort() {
          aborted.push(txnIdToString(id));
          return 'aborted';
        },
      };
    },
  };
  const state = { released: false };
  const resources = {
    client: { transactions: async () => coordinator },
    pipeline: {
      async send(_records: readonly T[], messages: readonly unknown[], txn?: { id: TxnId }) {
        sent.push({ txn: txn === undefined ? undefined : txnIdToString(txn.id), count: messages.length });
      },
      async flush() {},
      async close() {},
    },
    convert: (batch: readonly T[]) =>
      batch.map((value) => ({ topic: 't', message: { payload: value }, source: {}, bytes: 1 })),
    async release() {
      state.released = true;
    },
  };
  return { resources, sent, aborted, ender, state };
}

/** A committer init context whose registry the test can read (`registry.sum('transactionsNotFound')`). */
export function committerContextWithRegistry(): { ctx: CommitterInitContext; registry: MetricRegistry } {
  const registry = new MetricRegistry();
  return {
    registry,
    ctx: {
      metricGroup: new CommitterMetricGroup(registry, { operator: 'committer' }),
      logger: silentLogger,
      jobId: 'test-job',
    },
  };
}
