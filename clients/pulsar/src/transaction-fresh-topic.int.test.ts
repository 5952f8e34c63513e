/**
 * Transactional sends racing a topic's first transaction-buffer snapshot. Pulsar 4.0.7 fails
 * transactional sends that reach a topic while its transaction buffer takes its first snapshot
 * (ServiceNotReady, fixed upstream by apache/pulsar#24945) and persists the ones after them; the
 * broker may also close the producer. A client that resends what it had in flight then stores
 * those messages twice inside the transaction (topic deduplication is off by default), and a
 * commit makes both copies visible — the duplicates the Pulsar sink's contract case saw.
 *
 * Every round sends concurrently from two clients, in two transactions, to a topic that never had
 * a transactional message; each transaction is then committed, which must either succeed with every
 * message of it stored once, or refuse (`PulsarTransactionFailedError`, the transaction aborted).
 * Pulsar's own Java client reads the topics.
 */
import { type PulsarService, runPulsarJava, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from './client.js';
import { PulsarTransactionFailedError } from './errors.js';
import { text } from './testing-fixtures/messages.js';

const ROUNDS = 6;
const PER_PRODUCER = 400;

const JAVA_SOURCE = `
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.*;

public class ReadTopics {
  public static void main(String[] args) throws Exception {
    try (PulsarClient client = PulsarClient.builder().serviceUrl(args[0]).build()) {
      for (int t = 1; t < args.length; t++) {
        try (Reader<byte[]> reader = client.newReader().topic(args[t]).startMessageId(MessageId.earliest).create()) {
          while (reader.hasMessageAvailable()) {
            Message<byte[]> m = reader.readNext(30, TimeUnit.SECONDS);
            if (m == null) throw new IllegalStateException(args[t] + ": announced message did not arrive");
            System.out.println("MSG " + new String(m.getValue(), "UTF-8"));
          }
        }
      }
      System.out.println("DONE");
    }
  }
}
`;

describe('transactional sends to a topic without a transaction-buffer snapshot yet', () => {
  let pulsar: PulsarService;
  const clients: PulsarClient[] = [];

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    for (let i = 0; i < 2; i++) clients.push(new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl }));
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await pulsar?.close();
  });

  it('never stores a message twice: a transaction with a failed or in-doubt send cannot commit', async () => {
    const topics: string[] = [];
    const committed = new Set<string>();
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const topic = await pulsar.createTopic({ prefix: 'txn-fresh' });
      topics.push(topic);
      const writers = await Promise.all(
        clients.map(async (client, w) => ({
          w,
          producer: await client.createProducer({
            topic,
            batchingMaxPublishDelayMs: 1,
            batchingMaxMessages: 20,
          }),
          txn: await (await client.transactions()).newTransaction(60_000),
        })),
      );
      const sends = writers.flatMap(({ w, producer, txn }) =>
        Array.from({ length: PER_PRODUCER }, (_, i) =>
          producer.send({ payload: text(`${round}:${w}:${i}`), transaction: txn }),
        ),
      );
      await Promise.allSettled(sends);
      for (const { w, producer, txn } of writers) {
        try {
          expect(await txn.commit()).toBe('committed');
          committed.add(`${round}:${w}`);
        } catch (error) {
          expect(error).toBeInstanceOf(PulsarTransactionFailedError);
          refused++;
        }
        await producer.close();
      }
    }
    process.stdout.write(`fresh-topic transactions: ${committed.size} committed, ${refused} refused\n`);

    const output = await runPulsarJava({
      source: JAVA_SOURCE,
      className: 'ReadTopics',
      args: [pulsar.connection.serviceUrl, ...topics],
    });
    const lines = output.stdout.split('\n');
    expect(lines, output.stderr).toContain('DONE');
    const read = lines.filter((l) => l.startsWith('MSG ')).map((l) => l.slice(4));
    const expected = [...committed].flatMap((writer) =>
      Array.from({ length: PER_PRODUCER }, (_, i) => `${writer}:${i}`),
    );
    // Each message of a committed transaction once; nothing of a refused (aborted) one.
    expect([...read].sort()).toEqual(expected.sort());
  });
});
