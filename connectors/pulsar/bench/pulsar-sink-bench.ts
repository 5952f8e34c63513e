/**
 * Pulsar sink benchmark against the local broker of `@tributary/e2e` (started on first use), in
 * one run on the same broker:
 *  (a) our client's raw produce loop vs `PulsarSink` (at-least-once) in a Tributary job
 *      (generator → sink, parallelism 1), 100 B records to a 3-partition topic, the same batching
 *      (10 ms delay) and window (1,000 messages without receipt, the sink’s default) on both sides; both times include
 *      client and producer creation (the job's include its start-up);
 *  (b) the same job with 1 s checkpoints, `exactly-once` vs `at-least-once`.
 * A warm-up round first, then ROUNDS rounds alternating the order within each pair; medians.
 * Prints a table, the load average, and one `BENCH_JSON {...}` line. Ratios: sink / raw
 * (target ≥ 0.9) and exactly-once / at-least-once. Nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-pulsar bench` (`BENCH_SCALE=0.2` for a quick run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataGeneratorSource, Pipeline, silentLogger } from '@tributary/core';
import { type PulsarService, useService } from '@tributary/e2e';
import { PulsarClient } from '@tributary/pulsar-client';
import { pulsarRecordSerializer } from '../src/sink/pulsar-record-serializer.js';
import { PulsarSink } from '../src/sink/pulsar-sink.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const RECORDS = Math.max(1000, Math.round(300_000 * scale));
const SIZE = 100;
const PARTITIONS = 3;
const WINDOW = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const perSecond = (ms: number) => Math.round(RECORDS / (ms / 1000));
const mbPerSecond = (ms: number) => Number(((RECORDS * SIZE) / 1e6 / (ms / 1000)).toFixed(2));

/** Our client alone: send without waiting, except when WINDOW messages lack a receipt. */
async function rawProduce(serviceUrl: string, topic: string, payload: Uint8Array): Promise<number> {
  const start = performance.now();
  const client = new PulsarClient({ serviceUrl });
  try {
    const producer = await client.createProducer({
      topic,
      maxPendingMessages: WINDOW,
      batchingMaxPublishDelayMs: 10,
    });
    let pending = 0;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const settle = () => {
      pending--;
      if (wake !== undefined && pending < WINDOW) {
        const resume = wake;
        wake = undefined;
        resume();
      }
    };
    const waitBelow = (limit: number) =>
      pending < limit
        ? undefined
        : new Promise<void>((resolve) => {
            wake = resolve;
          });
    for (let i = 0; i < RECORDS; i++) {
      if (pending >= WINDOW) await waitBelow(WINDOW);
      pending++;
      producer.send({ payload }).then(settle, (error: unknown) => {
        failure ??= error;
        settle();
      });
    }
    await producer.flush();
    while (pending > 0) await waitBelow(1);
    if (failure !== undefined) throw failure;
    return performance.now() - start;
  } finally {
    await client.close();
  }
}

/** A generator → `PulsarSink` job, whole wall time. */
async function sinkJob(
  serviceUrl: string,
  topic: string,
  payload: Uint8Array,
  guarantee: 'at-least-once' | 'exactly-once',
  checkpointDir?: string,
): Promise<number> {
  const start = performance.now();
  await Pipeline.from(new DataGeneratorSource<number>({ generator: (i) => i, count: RECORDS }))
    .sinkTo(
      new PulsarSink<number>(
        {
          serviceUrl,
          deliveryGuarantee: guarantee,
          maxPendingMessages: WINDOW,
          batchingMaxPublishDelayMs: 10,
        },
        pulsarRecordSerializer({ topic, value: () => payload }),
      ),
    )
    .execute(
      {
        parallelism: 1,
        ...(checkpointDir === undefined
          ? {}
          : { checkpointing: { intervalMs: 1000, directory: checkpointDir } }),
      },
      { logger: silentLogger },
    );
  return performance.now() - start;
}

async function pair(
  round: number,
  first: () => Promise<number>,
  second: () => Promise<number>,
): Promise<[number, number]> {
  if (round % 2 === 0) {
    const a = await first();
    return [a, await second()];
  }
  const b = await second();
  return [await first(), b];
}

const pulsar: PulsarService = await useService('pulsar');
const serviceUrl = pulsar.connection.serviceUrl;
const namespace = await pulsar.createNamespace();
const dir = await mkdtemp(join(tmpdir(), 'pulsar-sink-bench-'));
const payload = new Uint8Array(SIZE).fill(0x61);
const times = { raw: [] as number[], sink: [] as number[], alo: [] as number[], eos: [] as number[] };
const loadBefore = loadavg();
try {
  for (let round = 0; round <= ROUNDS; round++) {
    const topic = async (who: string) =>
      pulsar.createTopic({ namespace, prefix: `bench-${who}-${round}`, partitions: PARTITIONS });
    const [raw, sink] = await pair(
      round,
      async () => rawProduce(serviceUrl, await topic('raw'), payload),
      async () => sinkJob(serviceUrl, await topic('sink'), payload, 'at-least-once'),
    );
    const [alo, eos] = await pair(
      round,
      async () =>
        sinkJob(serviceUrl, await topic('alo'), payload, 'at-least-once', join(dir, `alo-${round}`)),
      async () => sinkJob(serviceUrl, await topic('eos'), payload, 'exactly-once', join(dir, `eos-${round}`)),
    );
    process.stdout.write(
      `round ${round}${round === 0 ? ' (warm-up)' : ''}: raw ${raw.toFixed(0)} ms, sink ${sink.toFixed(0)} ms, at-least-once ${alo.toFixed(0)} ms, exactly-once ${eos.toFixed(0)} ms\n`,
    );
    if (round === 0) continue;
    times.raw.push(raw);
    times.sink.push(sink);
    times.alo.push(alo);
    times.eos.push(eos);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await pulsar.close();
}

const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<
  keyof typeof times,
  number
>;
const result = {
  bench: 'connector-pulsar-sink',
  records: RECORDS,
  sizeBytes: SIZE,
  partitions: PARTITIONS,
  rounds: ROUNDS,
  loadAverage: {
    before: loadBefore.map((l) => Number(l.toFixed(2))),
    after: loadavg().map((l) => Number(l.toFixed(2))),
  },
  rawProduce: { msgsPerSec: perSecond(m.raw), mbPerSec: mbPerSecond(m.raw) },
  sinkAtLeastOnce: { msgsPerSec: perSecond(m.sink), mbPerSec: mbPerSecond(m.sink) },
  sinkRatio: Number((m.raw / m.sink).toFixed(2)),
  checkpointed1s: {
    atLeastOnce: { msgsPerSec: perSecond(m.alo), mbPerSec: mbPerSecond(m.alo) },
    exactlyOnce: { msgsPerSec: perSecond(m.eos), mbPerSec: mbPerSecond(m.eos) },
    exactlyOnceRatio: Number((m.alo / m.eos).toFixed(2)),
  },
};
const row = (name: string, r: { msgsPerSec: number; mbPerSec: number }) =>
  `${name.padEnd(28)} ${String(r.msgsPerSec).padStart(8)} msg/s ${String(r.mbPerSec).padStart(6)} MB/s\n`;
process.stdout.write(
  row('raw client produce loop', result.rawProduce) +
    row('PulsarSink (at-least-once)', result.sinkAtLeastOnce) +
    `sink / raw ratio             ${result.sinkRatio}\n` +
    row('1 s checkpoints, at-least-once', result.checkpointed1s.atLeastOnce) +
    row('1 s checkpoints, exactly-once', result.checkpointed1s.exactlyOnce) +
    `exactly-once / at-least-once ${result.checkpointed1s.exactlyOnceRatio}\n` +
    `load average (1/5/15 min) before ${result.loadAverage.before.join(' ')}, after ${result.loadAverage.after.join(' ')}\n`,
);
process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
