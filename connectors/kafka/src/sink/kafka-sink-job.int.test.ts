import { DataGeneratorSource, Pipeline } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedValues, readTopic } from '../testing-fixtures/committed-reader.js';
import { kafkaRecordSerializer } from './kafka-record-serializer.js';
import { KafkaSink } from './kafka-sink.js';

/** The job fails once the chain has seen this many records in the current attempt. */
function failOnceAfter(records: number): (value: string) => string {
  let seen = 0;
  let failed = false;
  return (value) => {
    if (!failed && ++seen > records) {
      failed = true;
      throw new Error('injected failure');
    }
    return value;
  };
}

describe('KafkaSink in a job (real broker)', () => {
  let kafka: KafkaService;

  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  const total = 6000;
  const source = () =>
    new DataGeneratorSource<string>({
      generator: (i) => `r${i}`,
      count: total,
      numSplits: 3,
      recordsPerSecond: 12_000,
      maxRecordsPerPoll: 200,
    });

  it('exactly-once: a failure mid-stream and a restart leave every record exactly once', async () => {
    const topic = await kafka.createTopic({ partitions: 3 });
    const sink = new KafkaSink<string>(
      {
        brokers: kafka.brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: `${topic}-job`,
        transactionTimeoutMs: 60_000,
        // Send each write as soon as the window has room: the check below needs records of the
        // failed attempt on the broker, and records still lingering at the failure are dropped
        // unsent with its transaction.
        lingerMs: 0,
      },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
    const result = await Pipeline.from(source())
      .map(failOnceAfter(total / 2))
      .sinkTo(sink)
      .execute({
        parallelism: 2,
        checkpointing: { intervalMs: 100 },
        restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 50 },
      });
    expect(result.restarts).toBe(1);
    const values = await committedValues(kafka.brokers, topic);
    expect(values).toHaveLength(total);
    expect(new Set(values).size).toBe(total);
    // Records of the failed attempt after the last checkpoint were written, then aborted.
    const raw = await readTopic(kafka.brokers, topic, { isolation: 'read_uncommitted' });
    expect(raw.flatMap((p) => p.values).length).toBeGreaterThan(total);
    for (const p of await readTopic(kafka.brokers, topic)) expect(p.lastStableOffset).toBe(p.highWatermark);
  });

  it('exactly-once: a linger longer than the job never holds a checkpoint or the end of input', async () => {
    const topic = await kafka.createTopic({ partitions: 3 });
    const sink = new KafkaSink<string>(
      {
        brokers: kafka.brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: `${topic}-job`,
        transactionTimeoutMs: 60_000,
        // Requests are never full (2 000 records, 1 MB) and the linger outlasts the test's
        // timeout: only checkpoints and the end of input can send.
        lingerMs: 60_000,
        maxRecordsPerRequest: 2000,
      },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
    const result = await Pipeline.from(source())
      .sinkTo(sink)
      .execute({ parallelism: 2, checkpointing: { intervalMs: 100 } });
    expect(result.completedCheckpoints).toBeGreaterThanOrEqual(3);
    const values = await committedValues(kafka.brokers, topic);
    expect(values).toHaveLength(total);
    expect(new Set(values).size).toBe(total);
  }, 30_000);

  it('at-least-once: a failure and a restart lose nothing (duplicates allowed)', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const sink = new KafkaSink<string>(
      { brokers: kafka.brokers, deliveryGuarantee: 'at-least-once' },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
    const result = await Pipeline.from(source())
      .map(failOnceAfter(total / 2))
      .sinkTo(sink)
      .execute({
        parallelism: 2,
        checkpointing: { intervalMs: 100 },
        restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 50 },
      });
    expect(result.restarts).toBe(1);
    const values = await committedValues(kafka.brokers, topic);
    expect(new Set(values).size).toBe(total);
  });
});
