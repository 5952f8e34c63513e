/**
 * Exactly-once restore latency against the local broker of `@tributary/e2e`: how long an
 * exactly-once `KafkaSink` writer takes to start after a crash that left a transaction open (it
 * aborts the lingering transaction, then opens its first transaction on a pooled id), against a
 * writer starting with nothing to clean up. This is on the critical path of every restore: the
 * first checkpoint after it waits for the writers.
 *
 * Each round: a writer writes into its open transaction and dies without ending it (connections
 * dropped, as a SIGKILL would), then (a) a writer restores the same checkpoint (one lingering
 * transaction to abort) and (b) a writer of a fresh prefix starts; alternating order, after a
 * warm-up, median of ROUNDS. Prints both medians, their ratio and the load average, and one
 * `BENCH_JSON {...}` line.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:restore` (`BENCH_ROUNDS=15` for more rounds).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { SinkWriter } from '@tributary/core';
import {
  fakeBatchContext,
  fakeCommitterContext,
  fakeWriterContext,
  recordingCommitRequests,
} from '@tributary/core/testing';
import { useService } from '@tributary/e2e';
import type { ExactlyOnceKafkaSinkWriter } from '../src/sink/exactly-once-kafka-sink-writer.js';
import { kafkaRecordSerializer } from '../src/sink/kafka-record-serializer.js';
import { KafkaSink } from '../src/sink/kafka-sink.js';
import { alternatingRounds } from './alternating-rounds.js';

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 9));

const kafka = await useService('kafka');
const topic = await kafka.createTopic({ prefix: 'bench-restore', partitions: 3 });
const sinkWith = (prefix: string) =>
  new KafkaSink<string>(
    {
      brokers: kafka.brokers,
      deliveryGuarantee: 'exactly-once',
      transactionalIdPrefix: prefix,
      transactionTimeoutMs: 120_000,
    },
    kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
  );

/** Drops a writer like a crash: connections closed, its open transaction left on the broker. */
async function crash(writer: SinkWriter<string>): Promise<void> {
  const dead = writer as unknown as { resources: { release(): Promise<void> }; releaseClaim(): void };
  dead.releaseClaim();
  await dead.resources.release();
}

const sink = sinkWith(`${topic}-restore`);
// Checkpoint 1: one committed transaction; its state is what every round restores.
type EosWriter = ExactlyOnceKafkaSinkWriter<string>;
let writer = (await sink.createWriter(fakeWriterContext({ jobId: 'bench' }))) as EosWriter;
await writer.write(['checkpoint-1'], fakeBatchContext([]));
const checkpoint1 = await writer.prepareCommit();
const state1 = await writer.snapshotState();
const committer = sink.createCommitter(fakeCommitterContext('bench'));
await committer.commit(recordingCommitRequests(checkpoint1).requests);
await committer.close();

let attempt = 0;
/** (a): the current writer leaves a transaction with records open and dies; a new one restores. */
async function restoreAfterCrash(): Promise<number> {
  await writer.write(['lingering-1', 'lingering-2', 'lingering-3'], fakeBatchContext([]));
  await writer.flush(false);
  await crash(writer);
  const start = performance.now();
  writer = (await sink.restoreWriter(
    fakeWriterContext({ jobId: 'bench', restoredCheckpointId: 1, attemptNumber: ++attempt }),
    state1,
  )) as EosWriter;
  return performance.now() - start;
}

let fresh = 0;
/** (b): a writer with nothing to clean up (a prefix never used). */
async function freshStart(): Promise<number> {
  const start = performance.now();
  const w = await sinkWith(`${topic}-fresh-${fresh++}`).createWriter(
    fakeWriterContext({ jobId: `bench-${fresh}` }),
  );
  const ms = performance.now() - start;
  await w.close();
  return ms;
}

const loadBefore = loadavg();
const { baselineMs, candidateMs, candidateOverBaseline, candidateRuns } = await alternatingRounds(
  ROUNDS,
  freshStart,
  restoreAfterCrash,
);
await writer.close();
await kafka.close();
const load = [...loadBefore, ...loadavg()].map((l) => l.toFixed(2));
const result = {
  bench: 'connector-kafka-restore',
  rounds: ROUNDS,
  restoreWithLingeringMs: Math.round(candidateMs),
  freshStartMs: Math.round(baselineMs),
  ratio: Math.round(candidateOverBaseline * 100) / 100,
  restoreMs: candidateRuns.map(Math.round),
  loadAverage: load,
};
process.stdout.write(
  `\nExactly-once writer start-up, median of ${ROUNDS}: after a crash with a lingering transaction ${result.restoreWithLingeringMs} ms, fresh start ${result.freshStartMs} ms (ratio ${result.ratio}); load average ${load.slice(0, 3).join(' ')} before, ${load.slice(3).join(' ')} after\n`,
);
process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
