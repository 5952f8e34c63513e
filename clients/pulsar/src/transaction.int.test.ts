import { join } from 'node:path';
import { type PulsarService, startChildJob, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from './client.js';
import { drain, str, text } from './testing-fixtures/messages.js';

/** Runs the fixture child; resolves with the lines it printed once it printed `until` (or exited). */
function runChild(args: string[], until: RegExp) {
  const lines: string[] = [];
  let resolveLine: (line: string) => void = () => undefined;
  const seen = new Promise<string>((resolve) => {
    resolveLine = resolve;
  });
  const job = startChildJob({
    script: join(import.meta.dirname, 'testing-fixtures/transaction-child.ts'),
    args,
    onLine: (line) => {
      lines.push(line);
      if (until.test(line)) resolveLine(line);
    },
  });
  void job.exited.then(() => resolveLine(`EXITED ${job.stderr().slice(-2000)}`));
  return { job, seen, lines };
}

describe('pulsar client transactions', () => {
  let pulsar: PulsarService;
  let client: PulsarClient;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    client = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl, operationTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await client?.close();
    await pulsar?.close();
  });

  it('hides transactional sends until commit, drops them on abort, and applies transactional acks', async () => {
    const topic = await pulsar.createTopic({ partitions: 2 });
    const coordinator = await client.transactions();
    const consumer = await client.subscribe({ topic, subscription: 'read', initialPosition: 'earliest' });
    const producer = await client.createProducer({ topic });

    const aborted = await coordinator.newTransaction(60_000);
    await producer.send({ payload: text('aborted'), key: 'a', transaction: aborted });
    expect(await aborted.abort()).toBe('aborted');

    const committed = await coordinator.newTransaction(60_000);
    await Promise.all(
      ['c0', 'c1', 'c2'].map((v) => producer.send({ payload: text(v), key: v, transaction: committed })),
    );
    expect(await consumer.receive(500)).toBeUndefined();
    expect(await committed.commit()).toBe('committed');
    const visible = await drain(consumer, 3, 10_000);
    expect(visible.map(str).sort()).toEqual(['c0', 'c1', 'c2']);
    expect(await consumer.receive(500)).toBeUndefined();

    // An ack in an aborted transaction leaves the message unacked; one in a committed one acks it.
    const ackAborted = await coordinator.newTransaction(60_000);
    for (const m of visible) await consumer.acknowledge(m, ackAborted);
    await ackAborted.abort();
    await consumer.close();
    const again = await client.subscribe({ topic, subscription: 'read' });
    const redelivered = await drain(again, 3, 10_000);
    expect(redelivered.map(str).sort()).toEqual(['c0', 'c1', 'c2']);
    const ackCommitted = await coordinator.newTransaction(60_000);
    for (const m of redelivered) await again.acknowledge(m, ackCommitted);
    await ackCommitted.commit();
    await again.close();
    const last = await client.subscribe({ topic, subscription: 'read' });
    expect(await last.receive(1000)).toBeUndefined();
    await last.close();
    await producer.close();
  });

  it('commits by id from a new process a transaction whose process was SIGKILLed', async () => {
    const topic = await pulsar.createTopic();
    const serviceUrl = pulsar.connection.serviceUrl;
    const seed = await client.createProducer({ topic });
    await seed.send({ payload: text('seed') });
    await seed.close();

    const opener = runChild(['open', serviceUrl, topic, 'acker'], /^TXN /);
    const line = await opener.seen;
    expect(line).toMatch(/^TXN \d+ \d+$/);
    opener.job.child.kill('SIGKILL');
    expect((await opener.job.exited).signal).toBe('SIGKILL');
    const [, most, least] = line.split(' ') as [string, string, string];

    const reader = await client.subscribe({ topic, subscription: 'oracle', initialPosition: 'earliest' });
    expect((await drain(reader, 6, 2000)).map(str)).toEqual(['seed']); // the open txn hides the rest

    const committer = runChild(['commit', serviceUrl, most, least], /^OUTCOME /);
    expect(await committer.seen).toBe('OUTCOME committed');
    expect((await committer.job.exited).code).toBe(0);
    expect((await drain(reader, 5, 10_000)).map(str)).toEqual(['txn-0', 'txn-1', 'txn-2', 'txn-3', 'txn-4']);

    // The transactional ack of 'seed' on 'acker' was committed too.
    const acker = await client.subscribe({ topic, subscription: 'acker' });
    expect((await drain(acker, 5, 10_000)).map(str)).toEqual(['txn-0', 'txn-1', 'txn-2', 'txn-3', 'txn-4']);
    await acker.close();

    // A retried commit of the same id is reported, not thrown.
    const retry = runChild(['commit', serviceUrl, most, least], /^OUTCOME /);
    expect(await retry.seen).toBe('OUTCOME not-found');
    await reader.close();
  });
});
