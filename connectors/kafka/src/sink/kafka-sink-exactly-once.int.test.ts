import { hasErrorCode, type SinkWriter } from '@tributary/core';
import {
  type KafkaService,
  listTransactionsWithJavaAdmin,
  readCommittedWithJavaConsumer,
  useService,
} from '@tributary/e2e';
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
import type { KafkaWriterResources } from './kafka-writer-resources.js';

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
    const dead = writer as unknown as { resources: { release(): Promise<void> }; releaseClaim(): void };
    dead.releaseClaim();
    await dead.resources.release();
  }

  /** The coordinator's state of a transactional id (`undefined`: never used). */
  async function transactionState(id: string): Promise<string | undefined> {
    const cluster = createCluster(new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }), {
      metadataMaxAgeMs: 60_000,
    });
    await cluster.connect();
    try {
      const coordinator = await cluster.findGroupCoordinator({
        groupId: id,
        coordinatorType: TRANSACTION_COORDINATOR,
      });
      return (await describeTransaction(coordinator, id)).state;
    } finally {
      await cluster.disconnect();
    }
  }

  it('commits a pre-committed transaction from another client, idempotently, once visible', async () => {
    const topic = await kafka.createTopic({ partitions: 3 });
    const sink = sinkFor(topic, `${topic}-txn`);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    await writer.write(['a', 'b', 'c', 'd'], batchContext());
    await writer.flush(false);
    const committables = await writer.prepareCommit();
    expect(committables).toHaveLength(1);
    expect(committables[0]?.transactionalId).toBe(`${topic}-txn-0-0`);
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
    // Id 0 is the restored checkpoint's (another restore would re-commit it): not reused yet; the
    // aborted lingering id 1 is.
    expect(checkpoint2[0]?.transactionalId).toBe(`${topic}-txn-0-1`);
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
    // Every attempt aborted the lingering id 1 and reopened id 0; no other id was ever created.
    expect(await transactionState(`${prefix}-0-0`)).toBeDefined();
    expect(await transactionState(`${prefix}-0-1`)).toBeDefined();
    expect(await transactionState(`${prefix}-0-2`)).toBeUndefined();
    expect(await transactionState(`${prefix}-1-0`)).toBeUndefined();
    expect(await committedValues(kafka.brokers, topic)).toEqual(['a']);
  });

  it('reuses a pool of ids: 1 000 checkpoints with lagging commits leave at most 8 ids on the cluster (one per checkpoint before pooling), every record once', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const prefix = `${topic}-txn`;
    const sink = sinkFor(topic, prefix);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    const committer = sink.createCommitter(committerContext());
    const ids = new Set<string>();
    let waiting: KafkaCommittable[] = [];
    const expected: string[] = [];
    try {
      for (let checkpoint = 1; checkpoint <= 1000; checkpoint++) {
        const values = [`c${checkpoint}-a`, `c${checkpoint}-b`];
        expected.push(...values);
        await writer.write(values, batchContext());
        const committables = await writer.prepareCommit();
        for (const c of committables) ids.add(c.transactionalId);
        // Every third checkpoint is aborted by the runtime: its committables wait for the next one.
        waiting.push(...committables);
        if (checkpoint % 3 !== 0) {
          const { requests, outcomes } = commitRequests(waiting);
          await committer.commit(requests);
          expect(outcomes).toEqual(waiting.map(() => ({ kind: 'success' })));
          waiting = [];
        }
      }
      await committer.commit(commitRequests(waiting).requests);
    } finally {
      await committer.close();
      await writer.close();
    }
    expect(ids.size).toBeLessThanOrEqual(8);
    expect([...ids].sort()).toEqual(Array.from({ length: ids.size }, (_, k) => `${prefix}-0-${k}`).sort());
    expect(writer.transactionalIdPool.size).toBe(ids.size);
    // The cluster's own count (Kafka's Admin client): one id per checkpoint would leave 1 000.
    const listed = await listTransactionsWithJavaAdmin(kafka.brokers, `${prefix}-`);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(listed.length).toBeLessThanOrEqual(8);
    expect(listed.filter((t) => t.state === 'Ongoing')).toEqual([]);
    const committed = await readCommittedWithJavaConsumer(kafka.brokers, topic);
    expect(committed.flatMap((p) => p.values).sort()).toEqual(expected.sort());
  }, 600_000);

  it('restores a checkpoint of the one-id-per-checkpoint scheme: re-commits it, aborts what its attempt left open, reuses none of its ids before a later checkpoint completes', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const prefix = `${topic}-txn`;
    const sink = sinkFor(topic, prefix);
    // The earlier version numbered one id per checkpoint: id 0 committed, checkpoint 1
    // pre-committed id 1 (its state recorded nextTransactionIndex 2), id 2 was open at the crash.
    const old = (await sinkFor(topic, `${topic}-old`).createWriter(writerContext())) as EosWriter;
    const resources = (old as unknown as { resources: KafkaWriterResources<string> }).resources;
    const legacyTransaction = async (index: number, values: string[]) => {
      const txn = await resources.producers.openTransaction(`${prefix}-0-${index}`);
      await txn.pipeline.send(await resources.converter.convert(values, batchContext(), resources.cluster));
      await txn.pipeline.flush();
      return txn.committable();
    };
    expect(await commit(sink, [await legacyTransaction(0, ['old-0'])])).toEqual([{ kind: 'success' }]);
    const checkpoint1 = [await legacyTransaction(1, ['a', 'b'])];
    await legacyTransaction(2, ['lingering']);
    await crash(old);
    const legacyState: KafkaWriterState[] = [
      { transactionalIdPrefix: prefix, subtaskId: 0, parallelism: 1, nextTransactionIndex: 2 },
    ];

    // Attempt 1: the runtime re-commits checkpoint 1, then the writer starts.
    expect(await commit(sink, checkpoint1)).toEqual([{ kind: 'success' }]);
    const first = (await sink.restoreWriter(
      writerContext({ restoredCheckpointId: 1, attemptNumber: 1 }),
      legacyState,
    )) as EosWriter;
    expect(await transactionState(`${prefix}-0-2`)).not.toBe('Ongoing'); // aborted (then reopened, empty)
    await first.write(['c'], batchContext());
    const [attempt1] = await first.prepareCommit();
    // Not an id below 2: checkpoint 1 (which another restore re-commits) may list any of them.
    expect(attempt1?.transactionalId).toBe(`${prefix}-0-2`);
    await first.write(['d'], batchContext());
    await first.flush(false);
    await crash(first); // checkpoint 2 never completed

    // Attempt 2 restores checkpoint 1 again: its re-commit still succeeds (id 1's epoch untouched;
    // reusing it would have made this TRIB_KAFKA_TRANSACTION_LOST).
    expect(await commit(sink, checkpoint1)).toEqual([{ kind: 'success' }]);
    const second = (await sink.restoreWriter(
      writerContext({ restoredCheckpointId: 1, attemptNumber: 2 }),
      legacyState,
    )) as EosWriter;
    const used: string[] = [];
    for (const values of [['c', 'd'], ['e'], ['f'], ['g']]) {
      await second.write(values, batchContext());
      const committables = await second.prepareCommit();
      used.push(...committables.map((c) => c.transactionalId));
      expect(await commit(sink, committables)).toEqual(committables.map(() => ({ kind: 'success' })));
    }
    await second.close();
    // Once a checkpoint after the restore completed, the pool went back to the low ids.
    const indices = used.map((id) => Number(id.slice(`${prefix}-0-`.length)));
    expect(indices[0]).toBeGreaterThanOrEqual(2);
    expect(indices.slice(1).some((k) => k < 2)).toBe(true);
    const committed = await readCommittedWithJavaConsumer(kafka.brokers, topic);
    expect(committed.flatMap((p) => p.values).sort()).toEqual(
      ['old-0', 'a', 'b', 'c', 'd', 'e', 'f', 'g'].sort(),
    );
    for (const p of committed) expect(p.lastStableOffset).toBe(p.highWatermark);
  }, 120_000);

  it('aborts a reused id left open after the restored checkpoint (its state lists only uncommitted ids)', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const prefix = `${topic}-txn`;
    const sink = sinkFor(topic, prefix);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    let restoredState: KafkaWriterState[] = [];
    let restoredCommittables: KafkaCommittable[] = [];
    // Checkpoints 1–3 complete and commit right away; checkpoint 4 is pre-committed, then the
    // writer reuses id 0 (its commit was followed by a completed checkpoint) and dies.
    for (const value of ['a', 'b', 'c', 'd']) {
      await writer.write([value], batchContext());
      const committables = await writer.prepareCommit();
      if (value === 'd') break;
      restoredState = await writer.snapshotState();
      restoredCommittables = committables;
      expect(await commit(sink, committables)).toEqual([{ kind: 'success' }]);
    }
    await writer.write(['lingering'], batchContext());
    await writer.flush(false);
    await crash(writer);
    expect(await transactionState(`${prefix}-0-0`)).toBe('Ongoing');
    // Restore checkpoint 3: the runtime re-commits its committables, then the writer cleans up.
    expect(await commit(sink, restoredCommittables)).toEqual([{ kind: 'success' }]);
    const restored = await sink.restoreWriter(
      writerContext({ restoredCheckpointId: 3, attemptNumber: 1 }),
      restoredState,
    );
    const after = await readTopic(kafka.brokers, topic);
    for (const p of after) expect(p.lastStableOffset).toBe(p.highWatermark);
    expect(after.flatMap((p) => p.values).sort()).toEqual(['a', 'b', 'c']);
    await restored.close();
  });

  it('never aborts a restored pre-commit whose commit is still pending at restore', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const sink = sinkFor(topic, `${topic}-txn`);
    const first = (await sink.createWriter(writerContext())) as EosWriter;
    await first.write(['a', 'b'], batchContext());
    const checkpoint1 = await first.prepareCommit();
    const state1 = await first.snapshotState();
    expect(state1[0]?.pendingTransactionalIds).toEqual([`${topic}-txn-0-0`]);
    await first.write(['lingering'], batchContext());
    await first.flush(false);
    await crash(first);
    // The runtime's re-commit of checkpoint 1 is retried later (e.g. the coordinator moved):
    // the writer starts while that transaction is still open.
    const second = (await sink.restoreWriter(
      writerContext({ restoredCheckpointId: 1, attemptNumber: 1 }),
      state1,
    )) as EosWriter;
    await second.write(['c'], batchContext());
    const [next] = await second.prepareCommit();
    expect(next?.transactionalId).toBe(`${topic}-txn-0-1`);
    expect(await commit(sink, checkpoint1)).toEqual([{ kind: 'success' }]);
    expect(await commit(sink, next ? [next] : [])).toEqual([{ kind: 'success' }]);
    await second.close();
    expect((await committedValues(kafka.brokers, topic)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a fresh start with a used prefix aborts what earlier runs left open, whatever their parallelism', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const sink = sinkFor(topic, `${topic}-txn`);
    // An earlier run with parallelism 3 committed one checkpoint, then died with transactions open.
    const committed: KafkaCommittable[] = [];
    for (let subtask = 0; subtask < 3; subtask++) {
      const w = (await sink.createWriter(writerContext({ subtaskId: subtask, parallelism: 3 }))) as EosWriter;
      await w.write([`kept-${subtask}`], batchContext());
      committed.push(...(await w.prepareCommit()));
      await w.write([`open-${subtask}`], batchContext());
      await w.flush(false);
      await crash(w);
    }
    expect(await commit(sink, committed)).toHaveLength(3);
    // A new job (no state) with parallelism 2 and the same prefix: writer 0 owns old subtasks 0
    // and 2, writer 1 owns 1.
    const fresh = sinkFor(topic, `${topic}-txn`);
    const writers = await Promise.all(
      [0, 1].map((subtaskId) =>
        fresh.createWriter(writerContext({ subtaskId, parallelism: 2, jobId: 'another-job' })),
      ),
    );
    const after = await readTopic(kafka.brokers, topic);
    for (const p of after) expect(p.lastStableOffset).toBe(p.highWatermark);
    expect(after.flatMap((p) => p.values).sort()).toEqual(['kept-0', 'kept-1', 'kept-2']);
    for (const w of writers) await w.close();
  });

  it('refuses a second sink with the same transactionalIdPrefix on the cluster (TRIB_KAFKA_TRANSACTIONAL_ID_CONFLICT)', async () => {
    const topic = await kafka.createTopic();
    const prefix = `${topic}-txn`;
    const first = await sinkFor(topic, prefix).createWriter(writerContext());
    const sameJob = await sinkFor(topic, prefix)
      .createWriter(writerContext())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(hasErrorCode(sameJob, KafkaErrorCodes.TRANSACTIONAL_ID_CONFLICT)).toBe(true);
    expect(String((sameJob as Error).message)).toContain(`"${prefix}"`);
    const otherJob = await sinkFor(topic, prefix)
      .createWriter(writerContext({ jobId: 'other-job' }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(hasErrorCode(otherJob, KafkaErrorCodes.TRANSACTIONAL_ID_CONFLICT)).toBe(true);
    // Another prefix is fine, and the claim ends with the writer.
    await (await sinkFor(topic, `${prefix}-2`).createWriter(writerContext())).close();
    await first.close();
    await (await sinkFor(topic, prefix).createWriter(writerContext({ jobId: 'other-job' }))).close();
  });

  it('a job in another process with the same prefix fences this one: the error names the shared prefix', async () => {
    const topic = await kafka.createTopic();
    const prefix = `${topic}-txn`;
    const writer = (await sinkFor(topic, prefix).createWriter(writerContext())) as EosWriter;
    await writer.write(['mine'], batchContext());
    await writer.flush(false);
    // The other process's writer initializes the same id (as its start-up cleanup would).
    const other = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer({
      transactionalId: `${prefix}-0-0`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await other.connect();
    await (await other.transaction()).abort();
    await other.disconnect();
    const error = await (async () => {
      await writer.write(['more'], batchContext());
      await writer.prepareCommit();
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, KafkaErrorCodes.TXN_FENCED)).toBe(true);
    expect(String((error as Error).message)).toContain('transactionalIdPrefix');
    await writer.close();
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

  it('writes nothing to the committer for an empty checkpoint and keeps its transaction for the next', async () => {
    const topic = await kafka.createTopic();
    const sink = sinkFor(topic, `${topic}-txn`);
    const writer = (await sink.createWriter(writerContext())) as EosWriter;
    expect(await writer.prepareCommit()).toEqual([]);
    expect(await writer.prepareCommit()).toEqual([]);
    await writer.write(['one'], batchContext());
    const [c] = await writer.prepareCommit();
    expect(c?.transactionalId).toBe(`${topic}-txn-0-0`);
    await writer.close();
    expect(await commit(sink, c ? [c] : [])).toEqual([{ kind: 'success' }]);
    expect(await committedValues(kafka.brokers, topic)).toEqual(['one']);
  });
});
