/**
 * The connector's connection options against the broker's secured listener: `pulsar+ssl://` with
 * `tlsTrustCertsPem` and `authenticationToken`: a bounded Exclusive read whose final checkpoint acks
 * the subscription (transactions over TLS with a token: the client's authentication.int.test.ts).
 */
import { CollectSink, Pipeline } from '@tributary/core';
import { type PulsarService, pulsarTestToken, useService } from '@tributary/e2e';
import { PulsarClient } from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarSource } from './pulsar-source.js';

describe('PulsarSource over TLS with a token (real broker)', () => {
  let pulsar: PulsarService;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
  });
  afterAll(async () => {
    await pulsar?.close();
  });

  it('reads a partitioned topic over pulsar+ssl:// with a token and acks it on checkpoint completion', async () => {
    const tls = pulsar.connection.tls;
    if (tls === undefined) throw new Error('the pulsar service has no TLS listener (local backend only)');
    const topic = await pulsar.createTopic({ partitions: 2 });
    const writer = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl });
    const producer = await writer.createProducer({ topic });
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    await Promise.all(values.map((v, i) => producer.send({ payload: Buffer.from(v), key: `k${i % 4}` })));
    await writer.close();

    const run = async (authenticationToken: string) => {
      using out = CollectSink.create<string>();
      const source = new PulsarSource<string>(
        {
          serviceUrl: tls.serviceUrl,
          tlsTrustCertsPem: tls.caPem,
          authenticationToken,
          operationTimeoutMs: 2_000,
          topics: [topic],
          subscriptionName: 'secured',
          subscriptionType: 'Exclusive',
          stopCursor: 'latest',
          fetchMaxWaitMs: 200,
        },
        { deserialize: (m) => Buffer.from(m.payload).toString() },
      );
      await Pipeline.from(source)
        .sinkTo(out.sink)
        .execute({ parallelism: 2, checkpointing: { intervalMs: 200 } });
      return out.results();
    };

    // The token really is sent: one signed with another key fails the job, without echoing it.
    const forged = pulsarTestToken(pulsar.connection, 'pipeline', {
      secretKeyBase64: Buffer.alloc(32, 1).toString('base64'),
    });
    const refused = await run(forged).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(refused?.message).toMatch(/AuthenticationError/);
    expect(refused?.message).not.toContain(forged);

    const read = await run(pulsarTestToken(pulsar.connection, 'pipeline'));
    expect(read.sort()).toEqual([...values].sort());

    // The acks were committed: the subscription has no backlog left.
    const stats = await pulsar.admin<{ subscriptions: Record<string, { msgBacklog: number }> }>(
      'GET',
      `/admin/v2/${topic.replace('://', '/')}/partitioned-stats`,
    );
    expect(stats.subscriptions.secured?.msgBacklog).toBe(0);
  });
});
