import { type PulsarService, runPulsarJava, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from './client.js';
import type { Consumer, ConsumerMessage } from './consumer.js';
import { deserializeMessageId, type MessageId, serializeMessageId } from './message-id.js';
import type { PulsarCompression } from './protocol/compression.js';

/**
 * Pulsar's own Java client as the other side: it reads what our producer wrote (batched and
 * single, every codec, keys, properties, event times) and writes what our consumer must read.
 */
const JAVA_SOURCE = `
import java.util.*;
import java.util.concurrent.*;
import org.apache.pulsar.client.api.*;

public class PulsarInterop {
  public static void main(String[] args) throws Exception {
    String serviceUrl = args[0], ourTopic = args[1];
    int count = Integer.parseInt(args[2]);
    try (PulsarClient client = PulsarClient.builder().serviceUrl(serviceUrl).build()) {
      try (Consumer<byte[]> consumer = client.newConsumer().topic(ourTopic).subscriptionName("java")
          .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
        for (int i = 0; i < count; i++) {
          Message<byte[]> m = consumer.receive(30, TimeUnit.SECONDS);
          if (m == null) { System.out.println("TIMEOUT"); break; }
          System.out.println("MSG " + Base64.getEncoder().encodeToString(m.getValue()) + " key=" + m.getKey()
              + " props=" + new TreeMap<>(m.getProperties()) + " event=" + m.getEventTime()
              + " id=" + Base64.getEncoder().encodeToString(m.getMessageId().toByteArray()));
          consumer.acknowledge(m);
        }
      }
      // Then write 30 batched messages per codec: args[3..] are "CODEC=topic".
      for (int t = 3; t < args.length; t++) {
        String[] codecAndTopic = args[t].split("=", 2);
        try (Producer<byte[]> producer = client.newProducer().topic(codecAndTopic[1])
            .compressionType(CompressionType.valueOf(codecAndTopic[0]))
            .enableBatching(true).batchingMaxPublishDelay(50, TimeUnit.MILLISECONDS).create()) {
          List<CompletableFuture<MessageId>> sent = new ArrayList<>();
          for (int i = 0; i < 30; i++) {
            sent.add(producer.newMessage().key("k" + (i % 3)).property("i", String.valueOf(i)).eventTime(1000 + i)
                .value(("java-" + i + "-" + "y".repeat(200)).getBytes()).sendAsync());
          }
          for (CompletableFuture<MessageId> f : sent) {
            System.out.println("ID " + codecAndTopic[0] + " " + Base64.getEncoder().encodeToString(f.get().toByteArray()));
          }
        }
      }
    }
  }
}
`;

const text = (s: string) => new TextEncoder().encode(s);
const str = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('pulsar client ↔ Pulsar Java client', () => {
  let pulsar: PulsarService;
  let client: PulsarClient;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    client = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl });
  });
  afterAll(async () => {
    await client?.close();
    await pulsar?.close();
  });

  it('each side reads what the other wrote: batches, every codec, keys, properties, event times, ids', async () => {
    const codecs: PulsarCompression[] = ['none', 'lz4', 'zlib', 'zstd', 'snappy'];
    const ourTopic = await pulsar.createTopic();
    const expected: string[] = [];
    const ids: Uint8Array[] = [];
    for (const compression of codecs) {
      const producer = await client.createProducer({
        topic: ourTopic,
        compression,
        batchingMaxPublishDelayMs: 50,
      });
      const sends = Array.from({ length: 6 }, (_, i) => {
        const value = `${compression}-${i}-${'z'.repeat(200)}`;
        expected.push(`${value} key=k${i} props={i=${i}} event=${2000 + i}`);
        return producer.send({
          payload: text(value),
          key: `k${i}`,
          properties: { i: String(i) },
          eventTime: 2000 + i,
        });
      });
      for (const id of await Promise.all(sends)) ids.push(serializeMessageId(id));
      const single = await client.createProducer({ topic: ourTopic, compression, batchingEnabled: false });
      const value = `${compression}-single-${'z'.repeat(200)}`;
      expected.push(`${value} key=single props={} event=0`);
      ids.push(serializeMessageId(await single.send({ payload: text(value), key: 'single' })));
      await producer.close();
      await single.close();
    }
    const javaCodecs = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];
    const javaTopics = new Map<string, string>();
    for (const codec of javaCodecs)
      javaTopics.set(codec, await pulsar.createTopic({ prefix: `java-${codec}` }));
    const consumers = new Map(
      await Promise.all(
        javaCodecs.map(
          async (codec) =>
            [
              codec,
              await client.subscribe({
                topic: javaTopics.get(codec) as string,
                subscription: 'ours',
                initialPosition: 'earliest',
              }),
            ] as const,
        ),
      ),
    );

    const output = await runPulsarJava({
      source: JAVA_SOURCE,
      className: 'PulsarInterop',
      args: [
        pulsar.connection.serviceUrl,
        ourTopic,
        String(expected.length),
        ...javaCodecs.map((codec) => `${codec}=${javaTopics.get(codec)}`),
      ],
    });

    // Java read ours.
    const lines = output.stdout.split('\n').filter((l) => l.startsWith('MSG '));
    const read = lines.map((l) => {
      const [, b64, ...rest] = l.split(' ');
      return `${str(Buffer.from(b64 as string, 'base64'))} ${rest.filter((p) => !p.startsWith('id=')).join(' ')}`;
    });
    expect(read).toEqual(expected);
    const javaSeen = lines.map((l) =>
      deserializeMessageId(Buffer.from((l.split(' id=')[1] as string).trim(), 'base64')),
    );
    expect(javaSeen.map(idText)).toEqual(ids.map(deserializeMessageId).map(idText));

    // We read Java's.
    for (const codec of javaCodecs) {
      const javaIds = output.stdout
        .split('\n')
        .filter((l) => l.startsWith(`ID ${codec} `))
        .map((l) => deserializeMessageId(Buffer.from(l.split(' ')[2] as string, 'base64')));
      expect(javaIds.some((id) => id.batchIndex > 0)).toBe(true);
      const consumer = consumers.get(codec) as Consumer;
      const received: ConsumerMessage[] = [];
      while (received.length < 30) {
        const m = await consumer.receive(20_000);
        if (m === undefined) break;
        received.push(m);
      }
      expect(
        received.map((m) => str(m.payload)),
        codec,
      ).toEqual(Array.from({ length: 30 }, (_, i) => `java-${i}-${'y'.repeat(200)}`));
      expect(received.map((m) => m.key)).toEqual(Array.from({ length: 30 }, (_, i) => `k${i % 3}`));
      expect(received.map((m) => m.properties.i)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
      expect(received.map((m) => m.eventTime)).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i));
      expect(received.map((m) => idText(m.messageId))).toEqual(javaIds.map(idText));
      await consumer.close();
    }
  });
});

function idText(id: MessageId): string {
  return `${id.ledgerId}:${id.entryId}:${id.batchIndex}`;
}
