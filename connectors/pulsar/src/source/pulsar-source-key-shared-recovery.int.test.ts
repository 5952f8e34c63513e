import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectSink, Pipeline, type Sink } from '@tributary/core';
import { type PulsarService, useService, waitUntil } from '@tributary/e2e';
import { PulsarClient } from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PulsarMessageDeserializer } from './pulsar-message-deserializer.js';
import { PulsarSource } from './pulsar-source.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const asValue: PulsarMessageDeserializer<string> = { deserialize: (m) => decoder.decode(m.payload) };

/**
 * Subtask 0 collects what it is written and counts the checkpoints it flushed for; subtask 1's
 * first write blocks until `fail` is called and then throws: no checkpoint taken while it blocks
 * completes, and the job fails.
 */
function stallingSink(written: string[], flushes: { afterWrites: number }) {
  let fail: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => {
    fail = resolve;
  });
  const sink: Sink<string> = {
    createWriter: (context) => ({
      async write(batch: readonly string[]) {
        if (context.subtaskId === 0) {
          written.push(...batch);
          return;
        }
        await failed;
        throw new Error('subtask 1 stalled on purpose');
      },
      async flush() {
        if (context.subtaskId === 0 && written.length > 0) flushes.afterWrites++;
      },
      async close() {},
    }),
  };
  return { sink, fail };
}

describe('PulsarSource Key_Shared recovery (real broker)', () => {
  let pulsar: PulsarService;
  let client: PulsarClient;
  let dir: string;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    client = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl, operationTimeoutMs: 60_000 });
    dir = await mkdtemp(join(tmpdir(), 'pulsar-source-recovery-'));
  });
  afterAll(async () => {
    await client?.close();
    await pulsar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sends `values` one by one (no batching), keyed `k<i % keys>`. */
  async function produce(topic: string, values: readonly string[], keys: number) {
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    for (const [i, value] of values.entries()) {
      await producer.send({ payload: encoder.encode(value), key: `k${i % keys}` });
    }
    await producer.close();
  }

  it('an attempt that dies before its first checkpoint completed leaves no acks the restore cannot abort', async () => {
    // Attempt 2 acks records into a transaction at a checkpoint that never completes, then dies.
    // The restore goes back to the savepoint: had that transaction taken acks without being
    // recorded by a completed checkpoint, nothing would abort it, and its messages would come
    // back only after transactionTimeoutMs — behind newer messages of their keys.
    const topic = await pulsar.createTopic({ partitions: 1 });
    const keys = 8;
    const options = {
      serviceUrl: pulsar.connection.serviceUrl,
      topics: [topic],
      subscriptionName: 'recovery',
      subscriptionType: 'Key_Shared' as const,
      stopCursor: 'never' as const,
      fetchMaxWaitMs: 100,
      maxRecordsPerPoll: 5,
      transactionTimeoutMs: 30_000,
    };
    const checkpoints = join(dir, 'checkpoints');
    const restoreFrom = join(dir, 'savepoints');
    using first = CollectSink.create<string>({ deliveryGuarantee: 'exactly-once' });
    await produce(
      topic,
      Array.from({ length: 16 }, (_, i) => `a${i}`),
      keys,
    );
    const one = Pipeline.from(new PulsarSource(options, asValue))
      .sinkTo(first.sink)
      .start({ parallelism: 2, checkpointing: { intervalMs: 100, directory: join(dir, 'first') } });
    await first.waitForCount(16, { timeoutMs: 60_000 });
    const savepoint = await one.stopWithSavepoint({ directory: restoreFrom });

    await produce(
      topic,
      Array.from({ length: 40 }, (_, i) => `b${i}`),
      keys,
    );
    const written: string[] = [];
    const flushes = { afterWrites: 0 };
    const stalling = stallingSink(written, flushes);
    const two = Pipeline.from(new PulsarSource(options, asValue))
      .sinkTo(stalling.sink)
      // A long interval: (without the fix) records are read and subtask 1 stalls before the first one.
      .start({
        parallelism: 2,
        restoreFrom: savepoint,
        checkpointing: { intervalMs: 1500, directory: checkpoints },
      });
    // Subtask 0 emitted records and took a checkpoint after them: their acks went into a transaction.
    await waitUntil(
      async () => {
        if (flushes.afterWrites === 0 || written.length === 0)
          throw new Error('no checkpoint after records yet');
      },
      { timeoutMs: 60_000, what: 'subtask 0 checkpointing emitted records' },
    );
    stalling.fail();
    await expect(two.result).rejects.toThrow(/stalled on purpose/);

    await produce(
      topic,
      Array.from({ length: 40 }, (_, i) => `c${i}`),
      keys,
    );
    using third = CollectSink.create<string>({ deliveryGuarantee: 'exactly-once' });
    const three = Pipeline.from(new PulsarSource(options, asValue))
      .sinkTo(third.sink)
      .start({
        parallelism: 2,
        restoreFrom: savepoint,
        checkpointing: { intervalMs: 100, directory: checkpoints },
      });
    try {
      await third.waitForCount(80, { timeoutMs: 120_000 });
    } finally {
      await three.cancel();
    }
    const values = third.results();
    expect([...values].sort()).toEqual(
      [
        ...Array.from({ length: 40 }, (_, i) => `b${i}`),
        ...Array.from({ length: 40 }, (_, i) => `c${i}`),
      ].sort(),
    );
    // Per key, every b came before every c.
    for (let k = 0; k < keys; k++) {
      const ofKey = values.filter((v) => Number(v.slice(1)) % keys === k);
      const firstC = ofKey.findIndex((v) => v.startsWith('c'));
      expect(
        ofKey.slice(firstC).filter((v) => v.startsWith('b')),
        `key k${k}: ${ofKey.join(' ')}`,
      ).toEqual([]);
    }
  });
});
