/**
 * TLS and token authentication against the harness broker, which listens on `pulsar+ssl://` with a
 * fresh self-signed certificate and validates HS256 tokens (connections without one are the
 * anonymous role, so the other tests run unchanged).
 */
import { type PulsarService, pulsarTestToken, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from './client.js';
import { tokenAuthentication } from './connection.js';
import { PulsarServerError, PulsarTlsVerificationError } from './errors.js';
import { drain, str, text } from './testing-fixtures/messages.js';

describe('pulsar client: TLS and token authentication against the broker', () => {
  let pulsar: PulsarService;
  let tls: { readonly serviceUrl: string; readonly caPem: string };
  const clients: PulsarClient[] = [];
  const track = (client: PulsarClient) => {
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    const listener = pulsar.connection.tls;
    if (listener === undefined)
      throw new Error('the pulsar service has no TLS listener (local backend only)');
    tls = listener;
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await pulsar?.close();
  });

  it('writes and reads a transaction over pulsar+ssl:// with a token, and lookups answer with TLS URLs', async () => {
    const token = pulsarTestToken(pulsar.connection, 'orders-app');
    const client = track(
      new PulsarClient({
        serviceUrl: tls.serviceUrl,
        tls: { ca: tls.caPem },
        authentication: tokenAuthentication(token),
      }),
    );
    const topic = await pulsar.createTopic({ partitions: 2 });
    const lookup = await client.lookup(`${topic}-partition-0`);
    expect(lookup.physicalAddress).toMatch(/^pulsar\+ssl:\/\/127\.0\.0\.1:\d+$/);

    const consumer = await client.subscribe({ topic, subscription: 'tls', initialPosition: 'earliest' });
    const producer = await client.createProducer({ topic });
    const transaction = await (await client.transactions()).newTransaction(60_000);
    await Promise.all(['a', 'b', 'c'].map((v) => producer.send({ payload: text(v), key: v, transaction })));
    expect(await consumer.receive(300)).toBeUndefined();
    expect(await transaction.commit()).toBe('committed');
    expect((await drain(consumer, 3)).map(str).sort()).toEqual(['a', 'b', 'c']);
  });

  it('commits by id, from a second client with the same role, a transaction the first one opened', async () => {
    const options = () => ({
      serviceUrl: pulsar.connection.serviceUrl,
      authentication: tokenAuthentication(pulsarTestToken(pulsar.connection, 'committer')),
    });
    const opener = track(new PulsarClient(options()));
    const topic = await pulsar.createTopic();
    const producer = await opener.createProducer({ topic });
    const transaction = await (await opener.transactions()).newTransaction(60_000);
    await producer.send({ payload: text('by-id'), transaction });

    const committer = track(new PulsarClient(options()));
    const coordinator = await committer.transactions();
    expect(await coordinator.endTransaction(transaction.id, 'commit')).toBe('committed');
    const consumer = await committer.subscribe({ topic, subscription: 's', initialPosition: 'earliest' });
    expect((await drain(consumer, 1)).map(str)).toEqual(['by-id']);
  });

  it('refuses a token signed with another key, naming the error and never echoing the token', async () => {
    const forged = pulsarTestToken(pulsar.connection, 'intruder', {
      secretKeyBase64: Buffer.alloc(32, 7).toString('base64'),
    });
    const client = track(
      new PulsarClient({
        serviceUrl: pulsar.connection.serviceUrl,
        authentication: tokenAuthentication(forged),
        operationTimeoutMs: 3_000,
      }),
    );
    const error = await client.partitionCount(await pulsar.createTopic()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PulsarServerError);
    expect((error as PulsarServerError).code).toBe('AuthenticationError');
    expect(String((error as Error).message)).not.toContain(forged);
    expect(String((error as Error).message)).not.toContain(forged.split('.')[2]);
  });

  it('rejects a broker whose certificate it does not trust with a typed, non-retried error', async () => {
    // A certificate error that were retried would end, after the operation budget, as the last
    // PulsarConnectionError; classified, it ends at once as PulsarTlsVerificationError.
    const client = track(new PulsarClient({ serviceUrl: tls.serviceUrl, operationTimeoutMs: 5_000 }));
    const topic = await pulsar.createTopic();
    const error = await client.createProducer({ topic }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PulsarTlsVerificationError);
    expect((error as Error).message).toMatch(/certificate was rejected .*tls\.ca/);
  });
});
