import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import type { PulsarClient } from './client.js';
import type { ConnectionListener, PulsarConnection } from './connection.js';
import { PulsarConnectionError, PulsarInDoubtSendError, PulsarTransactionFailedError } from './errors.js';
import { PartitionProducer } from './producer.js';
import { BaseCommand_Type, BaseCommandSchema, ServerError } from './proto/PulsarApi_pb.js';
import { Transaction, type TransactionCoordinatorClient, type TxnId } from './transaction.js';

/** A scripted broker connection: records SENDs, answers PRODUCER, and lets the test inject frames. */
class FakeConnection {
  readonly sent: { sequenceId: bigint; highestSequenceId: bigint; txn: boolean }[] = [];
  listener: ConnectionListener | undefined;
  closed = false;

  registerProducer(_id: bigint, listener: ConnectionListener): void {
    this.listener = listener;
  }
  unregisterProducer(): void {}
  async request(_operation: string, build: (requestId: bigint) => { type: BaseCommand_Type }) {
    const command = build(1n);
    if (command.type === BaseCommand_Type.PRODUCER)
      return create(BaseCommandSchema, { producerSuccess: { requestId: 1n, producerName: 'p-1' } });
    return create(BaseCommandSchema, {});
  }
  sendPayload(init: {
    send: { sequenceId: bigint; highestSequenceId?: bigint; txnidMostBits?: bigint };
  }): boolean {
    if (this.closed) throw new PulsarConnectionError('closed');
    const { sequenceId, highestSequenceId, txnidMostBits } = init.send;
    this.sent.push({
      sequenceId,
      highestSequenceId: highestSequenceId ?? sequenceId,
      txn: txnidMostBits !== undefined,
    });
    return true;
  }
  receipt(sequenceId: bigint, entryId: bigint): void {
    this.listener?.onFrame({
      command: create(BaseCommandSchema, {
        type: BaseCommand_Type.SEND_RECEIPT,
        sendReceipt: { producerId: 0n, sequenceId, messageId: { ledgerId: 1n, entryId } },
      }),
    });
  }
  sendError(sequenceId: bigint, error: ServerError): void {
    this.listener?.onFrame({
      command: create(BaseCommandSchema, {
        type: BaseCommand_Type.SEND_ERROR,
        sendError: { producerId: 0n, sequenceId, error, message: 'scripted' },
      }),
    });
  }
  /** The broker or the network drops the connection. */
  lose(): void {
    this.closed = true;
    this.listener?.onConnectionClosed(new PulsarConnectionError('scripted connection loss'));
  }
}

/** A client handing out the scripted connections one after the other (reconnects take the next). */
function fakeClient(connections: FakeConnection[]) {
  let next = 0;
  let ids = 0n;
  const client = {
    newId: () => ids++,
    withRetries: <T>(operation: () => Promise<T>) => operation(),
    connectionFor: async () => connections[next++] as unknown as PulsarConnection,
  };
  return client as unknown as PulsarClient;
}

/** A transaction over a scripted coordinator that records END_TXN actions. */
function fakeTransaction() {
  const ended: string[] = [];
  const coordinator = {
    addPartitions: async () => undefined,
    endTransaction: async (_id: TxnId, action: 'commit' | 'abort') => {
      ended.push(action);
      return action === 'commit' ? 'committed' : 'aborted';
    },
  };
  const txn = new Transaction(coordinator as unknown as TransactionCoordinatorClient, {
    mostBits: 0n,
    leastBits: 7n,
  });
  return { txn, ended };
}

async function openProducer(connections: FakeConnection[]) {
  const producer = new PartitionProducer(fakeClient(connections), 'persistent://t/n/out', -1, {
    topic: 'persistent://t/n/out',
    batchingEnabled: false,
  });
  await producer.connect();
  return producer;
}

const payload = (text: string) => ({ payload: new TextEncoder().encode(text) });
/** Lets pending promise callbacks (the transaction's partition registration) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PartitionProducer: sends whose outcome is unknown', () => {
  it('does not resend a transactional send after losing its connection: it fails in doubt and the transaction cannot commit', async () => {
    const first = new FakeConnection();
    const second = new FakeConnection();
    const producer = await openProducer([first, second]);
    const { txn, ended } = fakeTransaction();
    const persisted = producer.send({ ...payload('a'), transaction: txn });
    const inDoubt = producer.send({ ...payload('b'), transaction: txn });
    inDoubt.catch(() => undefined);
    await settle();
    expect(first.sent.map((s) => s.sequenceId)).toEqual([0n, 1n]);
    first.receipt(0n, 10n);
    await persisted;
    // The broker may have stored 'b' (its receipt was lost with the connection).
    first.lose();
    await expect(inDoubt).rejects.toBeInstanceOf(PulsarInDoubtSendError);
    await settle();
    expect(second.sent).toEqual([]);
    await expect(txn.commit()).rejects.toBeInstanceOf(PulsarTransactionFailedError);
    expect(ended).toEqual(['abort']);
    await producer.close();
  });

  it('resends non-transactional sends after a reconnect (at-least-once, as the Java client)', async () => {
    const first = new FakeConnection();
    const second = new FakeConnection();
    const producer = await openProducer([first, second]);
    const sending = producer.send(payload('a'));
    await settle();
    first.lose();
    await settle();
    expect(second.sent.map((s) => s.sequenceId)).toEqual([0n]);
    second.receipt(0n, 11n);
    await expect(sending).resolves.toMatchObject({ entryId: 11n });
    await producer.close();
  });

  it('fails the send a SEND_ERROR names even when it is not the oldest pending one, and keeps the connection', async () => {
    const connection = new FakeConnection();
    const producer = await openProducer([connection]);
    const { txn } = fakeTransaction();
    const sends = ['a', 'b', 'c'].map((text) => producer.send({ ...payload(text), transaction: txn }));
    for (const s of sends) s.catch(() => undefined);
    await settle();
    // Pulsar 4.0.7 fails a transactional send that arrives while a topic's transaction buffer
    // takes its first snapshot, and persists the ones after it.
    connection.sendError(1n, ServerError.ServiceNotReady);
    connection.receipt(0n, 20n);
    connection.receipt(2n, 21n);
    await expect(sends[0]).resolves.toMatchObject({ entryId: 20n });
    await expect(sends[1]).rejects.toThrow(/ServiceNotReady/);
    await expect(sends[2]).resolves.toMatchObject({ entryId: 21n });
    expect(connection.closed).toBe(false);
    // The transaction has a gap: it must not commit.
    expect(txn.failure?.message).toMatch(/ServiceNotReady/);
    await producer.close();
  });

  it('matches a SEND_ERROR that names a batch by its highest sequence id', async () => {
    const connection = new FakeConnection();
    const producer = new PartitionProducer(fakeClient([connection]), 'persistent://t/n/out', -1, {
      topic: 'persistent://t/n/out',
      batchingMaxMessages: 3,
    });
    await producer.connect();
    const sends = ['a', 'b', 'c'].map((text) => producer.send(payload(text)));
    for (const s of sends) s.catch(() => undefined);
    await settle();
    expect(connection.sent).toEqual([{ sequenceId: 0n, highestSequenceId: 2n, txn: false }]);
    connection.sendError(2n, ServerError.PersistenceError);
    for (const s of sends) await expect(s).rejects.toThrow(/PersistenceError/);
    await producer.close();
  });
});
