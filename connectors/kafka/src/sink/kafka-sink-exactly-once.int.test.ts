import { hasErrorCode, type SinkWriter } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTransaction } from '../client/describe-transactions.js';
import { createCluster, TRANSACTION_COORDINATOR } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { committedValues, readTopic } from '../testing-fixtures/committed-reader.js';
import {
  batchContext,
  commitRequests,
  committerContext,
  writerContext,
} from '../testing-fixtures/kafka-test-contexts.js';
import type { ExactlyOnceKafkaSinkWriter } from './exactly-once-kafka-sink-writer.js';
import type { KafkaCommittable, KafkaWriterState } from './kafka-committable.js';
import { kafkaRecordSerializer } from './kafka-record-serializer.js';
import { KafkaSink } from './kafka-sink.js';

type EosWriter = ExactlyOnceKafkaSinkWriter<string>;

describe('KafkaSink exactly-once (real broker)', () => {
  let kafka: KafkaService;

  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  function sinkFor(topic: string, prefix: string, extra: Record<string, unknown> = {}): KafkaSink<string> {
    return new KafkaSink<string>(
      {
        brokers: kafka.brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: prefix,
        transactionTimeoutMs: 120_000,
        ...extra,
      },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
  }

  async function commit(sink: KafkaSink<string>, committables: readonly KafkaCommittable[]) {
    const committer = sink.createCommitter(committerContext());
    try {
      const { requests, outcomes } = commitRequests(committables);
      await committer.commit(requests);
      return outcomes;
    } finally {
      await committer.close();
    }
  }

  /** Simulates a crash: the process dies with its connections, nothing is ended or aborted. */
  async function crash(writer: SinkWriter<string>): Promise<void> {
    await (writer as unknown as { resources: { release(): Promise<void> } }).resources.release();
  }

  it('commits a pre-committed transaction from another client, idempotently, once visible', async () => {
    const topic = await kafka.createTopic({ partitions: 3 });
    const sink = sinkFor(topic, `${topic}-txn`);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    await writer.write(['a', 'b', 'c', 'd'], batchContext());
    await writer.flush(false);
    const committables = await writer.prepareCommit();
    expect(committables).toHaveLength(1);
    expect(committables[0]?.transactionalId).toBe(`${topic}-txn-0-1`);
    await crash(writer);

    // Written but not committed: invisible to read_committed, and the open transaction pins the LSO.
    const before = await readTopic(kafka.brokers, topic);
    expect(before.flatMap((p) => p.values)).toEqual([]);
    expect(before.some((p) => p.highWatermark > p.lastStableOffset)).toBe(true);

    expect(await commit(sink, committables)).toEqual([{ kind: 'success' }]);
    expect((await committedValues(kafka.brokers, topic)).sort()).toEqual(['a', 'b', 'c', 'd']);
    // A re-commit after a restore answers NONE: idempotent.
    expect(await commit(sink, committables)).toEqual([{ kind: 'success' }]);
    expect((await committedValues(kafka.brokers, topic)).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('resolves a commit only once its records are readable under read_committed (markers written)', async () => {
    // Many partitions and transactions committed at once: the broker writes the commit markers
    // after EndTxn has answered, one request per partition leader, so a read right after an
    // EndTxn-only commit sees a partial result. Several rounds, each checked the instant commit returns.
    const partitions = 24;
    const topic = await kafka.createTopic({ partitions });
    const sink = sinkFor(topic, `${topic}-txn`);
    const values = Array.from({ length: 240 }, (_, i) => `v${i}`);
    for (let round = 0; round < 4; round++) {
      const committables: KafkaCommittable[] = [];
      for (let subtask = 0; subtask < 4; subtask++) {
        const w = (await sink.createWriter(
          writerContext({ subtaskId: subtask, parallelism: 4, restoredCheckpointId: round * 10 }),
        )) as EosWriter;
        await w.write(
          values.map((v) => `${round}-${subtask}-${v}`),
          batchContext(),
        );
        await w.flush(true);
        committables.push(...(await w.prepareCommit()));
        await crash(w);
      }
      expect(await commit(sink, committables)).toEqual(committables.map(() => ({ kind: 'success' })));
      const visible = await readTopic(kafka.brokers, topic);
      expect(visible.flatMap((p) => p.values)).toHaveLength((round + 1) * 4 * values.length);
      for (const p of visible) expect(p.lastStableOffset).toBe(p.highWatermark);
    }
  });

  it('after a crash commits the restored checkpoint and aborts the lingering transaction', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const sink = sinkFor(topic, `${topic}-txn`);
    // Attempt 1: checkpoint 1 pre-commits ['a','b']; ['c','d'] go into the next transaction; crash.
    const first = (await sink.createWriter(writerContext())) as EosWriter;
    await first.write(['a', 'b'], batchContext());
    await first.flush(false);
    const checkpoint1 = await first.prepareCommit();
    const state1 = await first.snapshotState();
    await first.write(['c', 'd'], batchContext());
    await first.flush(false);
    await crash(first);
    const lingering = await readTopic(kafka.brokers, topic, { isolation: 'read_uncommitted' });
    expect(lingering.flatMap((p) => p.values).sort()).toEqual(['a', 'b', 'c', 'd']);

    // Attempt 2 restores checkpoint 1: the runtime commits its committables before writers start.
    expect(await commit(sink, checkpoint1)).toEqual([{ kind: 'success' }]);
    const second = (await sink.restoreWriter(
      writerContext({ restoredCheckpointId: 1, attemptNumber: 1 }),
      state1,
    )) as EosWriter;
    // The lingering transaction is aborted on restore: nothing pins the LSO any more.
    const afterRestore = await readTopic(kafka.brokers, topic);
    expect(afterRestore.flatMap((p) => p.values).sort()).toEqual(['a', 'b']);
    for (const p of afterRestore) expect(p.lastStableOffset).toBe(p.highWatermark);

    // The source replays ['c','d'] after the restore; checkpoint 2 commits them once.
    await second.write(['c', 'd'], batchContext());
    await second.flush(false);
    const checkpoint2 = await second.prepareCommit();
    expect(checkpoint2[0]?.transactionalId).toBe(`${topic}-txn-0-2`);
    expect(await commit(sink, checkpoint2)).toEqual([{ kind: 'success' }]);
    await second.close();
    expect((await committedValues(kafka.brokers, topic)).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('restores repeatedly from the same checkpoint without creating new ids (idempotent probe)', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const prefix = `${topic}-txn`;
    const sink = sinkFor(topic, prefix);
    const first = (await sink.createWriter(writerContext())) as EosWriter;
    await first.write(['a'], batchContext());
    const checkpoint1 = await first.prepareCommit();
    const state1 = await first.snapshotState();
    await first.write(['lingering'], batchContext());
    await first.flush(false);
    await crash(first);
    expect(await commit(sink, checkpoint1)).toEqual([{ kind: 'success' }]);
    // A crash loop: every attempt restores checkpoint 1 and dies right after starting.
    for (let attempt = 1; attempt <= 4; attempt++) {
      const w = await sink.restoreWriter(
        writerContext({ restoredCheckpointId: 1, attemptNumber: attempt }),
        state1,
      );
      await crash(w);
    }
    // Each attempt reused id 2 (the first after the checkpoint); id 3 was never created.
    const cluster = createCluster(new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }), {
      metadataMaxAgeMs: 60_000,
    });
    await cluster.connect();
    try {
      const state = async (id: string) =>
        (
          await describeTransaction(
            await cluster.findGroupCoordinator({ groupId: id, coordinatorType: TRANSACTION_COORDINATOR }),
            id,
          )
        ).state;
      expect(await state(`${prefix}-0-2`)).toBeDefined();
      expect(await state(`${prefix}-0-3`)).toBeUndefined();
      expect(await state(`${prefix}-1-2`)).toBeUndefined();
    } finally {
      await cluster.disconnect();
    }
    expect(await committedValues(kafka.brokers, topic)).toEqual(['a']);
  });

  it('does not assume transaction indices stay below checkpoint ids', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const sink = sinkFor(topic, `${topic}-txn`);
    // Four pre-commits (ids 1–4) while the checkpoint being taken is only number 2.
    const first = (await sink.createWriter(writerContext())) as EosWriter;
    const committables: KafkaCommittable[] = [];
    for (const value of ['a', 'b', 'c', 'd']) {
      await first.write([value], batchContext());
      committables.push(...(await first.prepareCommit()));
    }
    const state = await first.snapshotState();
    await first.write(['lingering'], batchContext());
    await first.flush(false);
    await crash(first);
    expect(await commit(sink, committables)).toHaveLength(4);
    const second = (await sink.restoreWriter(writerContext({ restoredCheckpointId: 2 }), state)) as EosWriter;
    // The lingering transaction (id 5) is aborted.
    const after = await readTopic(kafka.brokers, topic);
    for (const p of after) expect(p.lastStableOffset).toBe(p.highWatermark);
    await second.write(['e'], batchContext());
    const [next] = await second.prepareCommit();
    // New ids start at the recorded index (5, the aborted one, re-initialized), not at the
    // checkpoint id + 1 (3), which would reuse ids of committed transactions.
    expect(next?.transactionalId).toBe(`${topic}-txn-0-5`);
    await commit(sink, next ? [next] : []);
    await second.close();
    expect((await committedValues(kafka.brokers, topic)).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('aborts lingering transactions of every old subtask after a downscale', async () => {
    const topic = await kafka.createTopic({ partitions: 4 });
    const prefix = `${topic}-txn`;
    const sink = sinkFor(topic, prefix);
    const states: KafkaWriterState[] = [];
    // Parallelism 3, checkpoint 1 is empty; each subtask leaves an open transaction behind.
    for (let subtask = 0; subtask < 3; subtask++) {
      const w = (await sink.createWriter(writerContext({ subtaskId: subtask, parallelism: 3 }))) as EosWriter;
      expect(await w.prepareCommit()).toEqual([]);
      states.push(...(await w.snapshotState()));
      await w.write([`s${subtask}-1`, `s${subtask}-2`, `s${subtask}-3`], batchContext());
      await w.flush(false);
      await crash(w);
    }
    expect((await readTopic(kafka.brokers, topic)).some((p) => p.lastStableOffset < p.highWatermark)).toBe(
      true,
    );

    // Restore checkpoint 1 with parallelism 1: the one writer cleans up subtasks 0, 1 and 2.
    const w = await sink.restoreWriter(writerContext({ restoredCheckpointId: 1, parallelism: 1 }), states);
    const after = await readTopic(kafka.brokers, topic);
    for (const p of after) expect(p.lastStableOffset).toBe(p.highWatermark);
    expect(after.flatMap((p) => p.values)).toEqual([]);
    await w.close();
  });

  it('aborts lingering transactions of subtasks that only a failed attempt had (upscale then crash)', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const sink = sinkFor(topic, `${topic}-txn`);
    // A failed attempt ran with parallelism 3 from a fresh start; no checkpoint knows subtasks 1, 2.
    for (const subtask of [1, 2]) {
      const w = (await sink.createWriter(writerContext({ subtaskId: subtask, parallelism: 3 }))) as EosWriter;
      await w.write([`zombie-${subtask}`], batchContext());
      await w.flush(false);
      await crash(w);
    }
    expect((await readTopic(kafka.brokers, topic)).some((p) => p.lastStableOffset < p.highWatermark)).toBe(
      true,
    );
    // Started again with parallelism 1: writer 0 probes subtasks 1, 2, 3 … while their first id shows use.
    const w0 = await sink.createWriter(writerContext({ subtaskId: 0, parallelism: 1 }));
    const after = await readTopic(kafka.brokers, topic);
    for (const p of after) expect(p.lastStableOffset).toBe(p.highWatermark);
    await w0.close();
  });

  it('aborts its open transaction on close, so read_committed readers are not held back', async () => {
    const topic = await kafka.createTopic();
    const sink = sinkFor(topic, `${topic}-txn`);
    const writer = await sink.createWriter(writerContext());
    await writer.write(['x'], batchContext());
    await writer.flush(false);
    await writer.close();
    const [p] = await readTopic(kafka.brokers, topic);
    expect(p?.values).toEqual([]);
    expect(p?.lastStableOffset).toBe(p?.highWatermark);
  });

  it('fails the commit of a lost transaction (aborted by the broker) with TRIB_KAFKA_TRANSACTION_LOST', async () => {
    const topic = await kafka.createTopic();
    const prefix = `${topic}-txn`;
    const sink = sinkFor(topic, prefix);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    await writer.write(['lost'], batchContext());
    const committables = await writer.prepareCommit();
    await crash(writer);
    // Someone initializes the id (as a timeout abort does, bumping the epoch) before the commit.
    const fencer = (await sink.createWriter(writerContext())) as EosWriter;
    await fencer.close();
    const outcomes = await commit(sink, committables);
    expect(outcomes[0]?.kind).toBe('unknown');
    expect(hasErrorCode((outcomes[0] as { error: unknown }).error, KafkaErrorCodes.TXN_LOST)).toBe(true);
    expect(await committedValues(kafka.brokers, topic)).toEqual([]);
    // Opted out: the same loss is skipped as a known failure.
    const lenient = sinkFor(topic, prefix, { onLostTransaction: 'continue' });
    expect((await commit(lenient, committables))[0]?.kind).toBe('known');
  });

  it('fails with a clear error when transactionTimeoutMs exceeds transaction.max.timeout.ms', async () => {
    const topic = await kafka.createTopic();
    const sink = sinkFor(topic, `${topic}-txn`, { transactionTimeoutMs: 3_600_000 });
    const error = await sink.createWriter(writerContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, KafkaErrorCodes.TXN_TIMEOUT_TOO_HIGH)).toBe(true);
    expect(String((error as Error).message)).toMatch(/transaction\.max\.timeout\.ms/);
  });

  it('writes nothing to the committer for an empty checkpoint and keeps ids contiguous', async () => {
    const topic = await kafka.createTopic();
    const sink = sinkFor(topic, `${topic}-txn`);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    expect(await writer.prepareCommit()).toEqual([]);
    await writer.write(['one'], batchContext());
    const [c] = await writer.prepareCommit();
    expect(c?.transactionalId).toBe(`${topic}-txn-0-2`);
    await writer.close();
    expect(await commit(sink, c ? [c] : [])).toEqual([{ kind: 'success' }]);
    expect(await committedValues(kafka.brokers, topic)).toEqual(['one']);
  });
});
