import { CollectionSource, CollectSink, Pipeline } from '@tributary/core';
import { type KafkaService, readCommittedWithJavaConsumer, useService } from '@tributary/e2e';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaCompression, registerCompressionCodecs } from './client/compression-codecs.js';
import { kafkaRecordSerializer } from './sink/kafka-record-serializer.js';
import { KafkaSink } from './sink/kafka-sink.js';
import { utf8Schema, valueOnly } from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { readTopic } from './testing-fixtures/committed-reader.js';
import { exactInput } from './testing-fixtures/exact-input.js';

type Codec = {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};
const CODEC_TYPES = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/** Counts the compress/decompress calls of every codec kafkajs uses in this process. */
const calls = new Map<string, { compress: number; decompress: number }>();
function countCodecCalls(): void {
  registerCompressionCodecs();
  const table = CompressionCodecs as unknown as Record<number, () => Codec>;
  for (const [name, type] of Object.entries(CODEC_TYPES)) {
    const inner = table[type] as () => Codec;
    const count = { compress: 0, decompress: 0 };
    calls.set(name, count);
    table[type] = () => ({
      compress: (encoder) => {
        count.compress++;
        return inner().compress(encoder);
      },
      decompress: (buffer) => {
        count.decompress++;
        return inner().decompress(buffer);
      },
    });
  }
}

const values = Array.from({ length: 3000 }, (_, i) => `order-${i}:${'status=open;'.repeat(1 + (i % 7))}`);

describe('Kafka record batch compression against the broker’s Java codecs', () => {
  let kafka: KafkaService;
  let client: Kafka;

  beforeAll(async () => {
    kafka = await useService('kafka');
    client = new Kafka({
      brokers: kafka.brokers,
      clientId: 'kafka-compression-test',
      logLevel: logLevel.NOTHING,
    });
    countCodecCalls();
  });
  afterAll(async () => {
    await kafka?.close();
  });

  async function readWithSource(topic: string): Promise<string[]> {
    using out = CollectSink.create<string>({ deliveryGuarantee: 'exactly-once' });
    await Pipeline.from(
      new KafkaSource<string>(
        {
          brokers: kafka.brokers,
          topics: [topic],
          stoppingOffsets: 'latest',
          partitionDiscoveryIntervalMs: 0,
        },
        valueOnly(utf8Schema),
      ),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 2 });
    return out.results();
  }

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const satisfies readonly KafkaCompression[]) {
    it(`${codec}: the sink's batches pass the broker's validation and read back whole`, async () => {
      // compression.type=producer: the broker decompresses each batch to validate it, then keeps it as sent.
      const topic = await kafka.createTopic({ partitions: 2, config: { 'compression.type': 'producer' } });
      const count = calls.get(codec) as { compress: number; decompress: number };
      const compressedBefore = count.compress;
      await Pipeline.from(CollectionSource.of(values))
        .sinkTo(
          new KafkaSink<string>(
            { brokers: kafka.brokers, deliveryGuarantee: 'at-least-once', compression: codec },
            kafkaRecordSerializer({ topic, value: (v) => v }),
          ),
        )
        .execute({ parallelism: 2 });
      expect(count.compress).toBeGreaterThan(compressedBefore);
      const stored = (await readTopic(kafka.brokers, topic)).flatMap((p) => p.values);
      expect(stored.sort()).toEqual([...values].sort());
      const decompressedBefore = count.decompress;
      expect((await readWithSource(topic)).sort()).toEqual([...values].sort());
      expect(count.decompress).toBeGreaterThan(decompressedBefore);
    });

    it(`${codec}: the source reads batches the broker compressed with its own (Java) codec`, async () => {
      // Sent uncompressed; a topic-level compression.type makes the broker recompress on append.
      const topic = await kafka.createTopic({ partitions: 2, config: { 'compression.type': codec } });
      const producer = client.producer(exactInput);
      await producer.connect();
      try {
        for (let start = 0; start < values.length; start += 500) {
          await producer.send({
            topic,
            messages: values.slice(start, start + 500).map((value) => ({ value })),
          });
        }
      } finally {
        await producer.disconnect();
      }
      // The topic holds each record once, as Kafka's own Java consumer reads it: a duplicate
      // below is then the source's, not the writer's.
      const stored = (await readCommittedWithJavaConsumer(kafka.brokers, topic)).flatMap((p) => p.values);
      expect(stored.sort()).toEqual([...values].sort());
      const count = calls.get(codec) as { compress: number; decompress: number };
      const decompressedBefore = count.decompress;
      expect((await readWithSource(topic)).sort()).toEqual([...values].sort());
      expect(count.decompress).toBeGreaterThan(decompressedBefore);
    });
  }
});
