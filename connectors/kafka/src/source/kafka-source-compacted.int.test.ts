import { CollectSink, Pipeline } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Schema, valueOnly } from './kafka-record-deserializer.js';
import { KafkaSource } from './kafka-source.js';

/**
 * A compacted topic as the log cleaner leaves it: record batches whose tail records were removed
 * (the batch keeps its offset range) and batches it emptied (kept for their idempotent producer's
 * state). Each produce goes into its own segment (`segment.ms`), and a fetch never crosses a
 * segment, so a reader sees those batches last in a response.
 */
describe('KafkaSource on a compacted topic (real broker, real log cleaner)', () => {
  let kafka: KafkaService;
  let client: Kafka;

  beforeAll(async () => {
    kafka = await useService('kafka');
    client = new Kafka({
      brokers: kafka.brokers,
      clientId: 'kafka-compacted-test',
      logLevel: logLevel.NOTHING,
    });
  });
  afterAll(async () => {
    await kafka?.close();
  });

  /** One produce request = one record batch, each in a fresh segment. */
  async function produceBatches(
    topic: string,
    batches: { key: string; value: string }[][],
    idempotent: boolean,
  ) {
    const producer = client.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      for (const batch of batches) {
        await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ ...m, partition: 0 })) });
        await new Promise((resolve) => setTimeout(resolve, 150)); // > segment.ms: the next batch rolls
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** A bounded read of the whole topic; a reader stuck on a compacted batch never ends, hence the limit. */
  async function readAll(topic: string): Promise<string[]> {
    using out = CollectSink.create<string>();
    const job = Pipeline.from(
      new KafkaSource<string>(
        {
          brokers: kafka.brokers,
          topics: [topic],
          startingOffsets: 'earliest',
          stoppingOffsets: 'latest',
          // Small responses: a large batch comes alone, so a compacted one ends its response.
          maxPartitionFetchBytes: 1024,
        },
        valueOnly(utf8Schema),
      ),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 1 });
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`bounded read of ${topic} did not finish in 20 s`)), 20_000);
    });
    try {
      await Promise.race([job, stuck]);
    } finally {
      clearTimeout(timer);
    }
    return out.results().map((v) => v.replace(/\.+$/, ''));
  }

  it('reads past batches whose tail the cleaner removed and past emptied batches, to the end', async () => {
    const topic = await kafka.createTopic({
      prefix: 'compacted',
      config: {
        'cleanup.policy': 'compact',
        'segment.ms': '100',
        'min.cleanable.dirty.ratio': '0.001',
        'min.compaction.lag.ms': '0',
        'delete.retention.ms': '0',
      },
    });
    // Batch 1 (offsets 0–2, > 1 KiB) loses its tail record k3 to batch 2; the idempotent
    // producer's only batch [k5] (offset 5) is emptied by batch 4 (> 1 KiB, so a response holding
    // the empty batch ends with it) but kept for the producer's state.
    const big = (v: string) => v.padEnd(700, '.');
    await produceBatches(
      topic,
      [
        [
          { key: 'k1', value: big('a') },
          { key: 'k2', value: big('b') },
          { key: 'k3', value: big('c') },
        ],
      ],
      false,
    );
    await produceBatches(topic, [[{ key: 'k3', value: 'c2' }], [{ key: 'k4', value: 'd' }]], false);
    await produceBatches(topic, [[{ key: 'k5', value: 'e' }]], true);
    await produceBatches(
      topic,
      [[{ key: 'k5', value: big('e2') }], [{ key: 'k6', value: 'f' }], [{ key: 'roll', value: 'z' }]],
      false,
    );
    const all = ['a', 'b', 'c', 'c2', 'd', 'e', 'e2', 'f', 'z'];
    const survivors = ['a', 'b', 'c2', 'd', 'e2', 'f', 'z'];
    // The cleaner runs on its own schedule (log.cleaner.backoff.ms, 15 s by default) and may clean
    // in several passes (a pass stops at the segment that was active when it began, so it can
    // remove `c` before `e2` has rolled and `e` is cleanable). Read until the fully compacted log
    // shows; every read before that must be a state compaction can leave: the survivors in order,
    // plus some of the superseded values in their places.
    const isPartlyCompacted = (read: string[]) => {
      const positions = read.map((v) => all.indexOf(v));
      const inOrder = positions.every((p, i) => p >= 0 && (i === 0 || (positions[i - 1] ?? -1) < p));
      return inOrder && survivors.every((v) => read.includes(v));
    };
    let values = await readAll(topic);
    const deadline = Date.now() + 90_000;
    while (values.length !== survivors.length && Date.now() < deadline) {
      expect(
        isPartlyCompacted(values),
        `a read of the log before compaction ended: ${values.join(',')}`,
      ).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      values = await readAll(topic);
    }
    expect(values).toEqual(survivors);
  }, 150_000);
});
