/**
 * Pulsar source benchmark against the local broker of `@tributary/e2e` (started on first use):
 * a raw `@tributary/pulsar-client` consume loop (one Exclusive consumer per partition, the same
 * receiver queue of 1000, `takeQueuedEntries` batches — the client's fastest take, the one the
 * connector uses — one cumulative ack per batch) vs `PulsarSource` (Exclusive, earliest →
 * latest) through a Tributary job into a sink that only counts, reading
 * the same topic (each run on its own subscription). Alternating order per round, a warm-up
 * round first, median of ROUNDS (default 5).
 *
 * Each run reports three numbers, because users feel both the start-up and the steady state:
 * - start-up: from the start (the job's `execute`, or the raw loop's first SUBSCRIBE) to the
 *   first record (the connector: job graph, discovery, resolving `latest`, SUBSCRIBE, seek);
 * - steady state: messages/s from the first record to the last one;
 * - total: start to the end (the connector's job finished and closed) — the headline ratio.
 * Each run also reports its CPU share and garbage-collection pause time (`gc` performance
 * entries; the scavenges' part apart). Ratios are connector / raw (target ≥ 0.9). Prints a table and one `BENCH_JSON {...}` line with
 * the machine's load average. Nothing fails on it.
 *
 * Run: `pnpm --filter @tributary/connector-pulsar bench:source` (`BENCH_SCALE=0.1` for a smoke
 * run; `BENCH_ROUNDS=n`). `BENCH_ONLY=raw|connector` runs one side alone and prints `BENCH_MARK`
 * lines around each run, for GC diagnostics (`node --trace-gc-nvp`, the heap sampling profiler)
 * without the other side's garbage in the numbers.
 */
import { loadavg } from 'node:os';
import { constants, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { Pipeline, type Sink, type SinkWriter, silentLogger } from '@tributary/core';
import { useService } from '@tributary/e2e';
import { type Consumer, PulsarClient } from '@tributary/pulsar-client';
import { PulsarSource } from '../src/source/pulsar-source.js';

const PARTITIONS = 3;
const SIZE = 100;
const scale = Number(process.env.BENCH_SCALE ?? 1);
// Long enough (seconds per run) that the connector's start-up does not dominate the total.
const MESSAGES = Math.max(3000, Math.round(1_500_000 * scale));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Both sides' receiver queue (flow permits per partition); the connector's default is 1000. */
const QUEUE = Number(process.env.BENCH_QUEUE ?? 1000);
/** Diagnostics (`--trace-gc-nvp`, `--heap-prof`): `raw` or `connector` runs that side alone (no ratio). */
const ONLY = process.env.BENCH_ONLY;

const pulsar = await useService('pulsar');
const serviceUrl = pulsar.connection.serviceUrl;
const topic = await pulsar.createTopic({ prefix: 'source-bench', partitions: PARTITIONS });

async function produce(): Promise<void> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const producer = await client.createProducer({ topic, batchingMaxPublishDelayMs: 1, sendTimeoutMs: 0 });
    const payload = new Uint8Array(SIZE);
    let last: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < MESSAGES; i++) {
      last = producer.send({ payload, key: `k${i % 64}` });
      if (i % 1000 === 999) await last;
    }
    await producer.flush();
    await last;
  } finally {
    await client.close();
  }
}

/** One run: start → first record → last record → end (performance.now() ms), and CPU ms used. */
interface Run {
  start: number;
  first: number;
  last: number;
  end: number;
  /** This process's CPU time (user + system) over the run: tells work from waiting. */
  cpuMs: number;
  /** Time the garbage collector paused the process during the run. */
  gcMs: number;
  /** The part of {@link gcMs} spent in young-generation collections (scavenges). */
  minorGcMs: number;
}

/** Garbage-collection pause time (ms) since the process started, from `gc` performance entries. */
let gcMsTotal = 0;
/** The part of it in young-generation collections (scavenges): the rest is mostly mark-compact. */
let minorGcMsTotal = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMsTotal += entry.duration;
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcMsTotal += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

const cpuMsSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

/** Messages taken so far by the raw consumers of one round, and when the first and last came. */
interface RoundCount {
  taken: number;
  first: number | undefined;
  last: number;
}

/**
 * Drains `consumer` until the round's consumers together took every message, woken by
 * `onQueued`. (A subscription's backlog counts entries, and a batch is one entry, so it cannot
 * tell a partition's message count.)
 */
async function drainBatched(consumer: Consumer, round: RoundCount): Promise<void> {
  let wake: (() => void) | undefined;
  consumer.onQueued(() => wake?.());
  let deadline = Date.now() + 60_000;
  while (round.taken < MESSAGES) {
    const entries = consumer.takeQueuedEntries(1000);
    if (entries.length === 0) {
      if (Date.now() > deadline) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
        if (consumer.queuedCount > 0) resolve();
      });
      continue;
    }
    deadline = Date.now() + 60_000;
    round.first ??= performance.now();
    for (const entry of entries) round.taken += entry.length;
    if (round.taken >= MESSAGES) round.last = performance.now();
    const lastEntry = entries[entries.length - 1] as (typeof entries)[number];
    void consumer.acknowledgeCumulative(lastEntry[lastEntry.length - 1] as (typeof lastEntry)[number]);
  }
}

async function rawRound(subscription: string): Promise<Run> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const partitions = await client.partitionsOf(topic);
    const start = performance.now();
    const cpu = process.cpuUsage();
    const gc = gcMsTotal;
    const minorGc = minorGcMsTotal;
    const consumers = await Promise.all(
      partitions.map((p) =>
        client.subscribe({ topic: p, subscription, initialPosition: 'earliest', receiverQueueSize: QUEUE }),
      ),
    );
    const round: RoundCount = { taken: 0, first: undefined, last: 0 };
    await Promise.all(consumers.map((c) => drainBatched(c, round)));
    const end = performance.now();
    const cpuMs = cpuMsSince(cpu);
    // GC entries arrive after the pause: let the observer run before reading the total.
    await new Promise((resolve) => setImmediate(resolve));
    const gcMs = gcMsTotal - gc;
    const minorGcMs = minorGcMsTotal - minorGc;
    if (round.taken !== MESSAGES) throw new Error(`raw loop read ${round.taken} of ${MESSAGES}`);
    return { start, first: round.first as number, last: round.last, end, cpuMs, gcMs, minorGcMs };
  } finally {
    await client.close();
  }
}

/** Counts what it is given and notes when the first and the `MESSAGES`-th record came. */
class TimingSink implements Sink<Uint8Array> {
  readonly round: RoundCount = { taken: 0, first: undefined, last: 0 };

  createWriter(): SinkWriter<Uint8Array> {
    const round = this.round;
    return {
      async write(batch) {
        round.first ??= performance.now();
        round.taken += batch.length;
        if (round.taken >= MESSAGES && round.last === 0) round.last = performance.now();
      },
      async flush() {},
      async close() {},
    };
  }
}

async function connectorRound(subscription: string): Promise<Run> {
  const source = new PulsarSource<Uint8Array>(
    {
      serviceUrl,
      topics: [topic],
      subscriptionName: subscription,
      stopCursor: 'latest',
      receiverQueueSize: QUEUE,
    },
    { deserialize: (m) => m.payload },
  );
  const sink = new TimingSink();
  const start = performance.now();
  const cpu = process.cpuUsage();
  const gc = gcMsTotal;
  const minorGc = minorGcMsTotal;
  const result = await Pipeline.from(source)
    .sinkTo(sink)
    .execute({ parallelism: 1 }, { logger: silentLogger });
  const end = performance.now();
  const cpuMs = cpuMsSince(cpu);
  await new Promise((resolve) => setImmediate(resolve));
  const gcMs = gcMsTotal - gc;
  const minorGcMs = minorGcMsTotal - minorGc;
  if (result.status !== 'finished') throw new Error(`job ${result.status}`);
  if (sink.round.taken !== MESSAGES) throw new Error(`connector read ${sink.round.taken} of ${MESSAGES}`);
  return { start, first: sink.round.first as number, last: sink.round.last, end, cpuMs, gcMs, minorGcMs };
}

await produce();
const raw: Run[] = [];
const connector: Run[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const runRaw = async () => {
    const run = await rawRound(`raw-${round}`);
    if (round > 0) raw.push(run);
  };
  const runConnector = async () => {
    const run = await connectorRound(`connector-${round}`);
    if (round > 0) connector.push(run);
  };
  if (ONLY !== undefined) {
    // Markers for the interleaved `--trace-gc-nvp` lines.
    process.stdout.write(`BENCH_MARK start ${round}\n`);
    await (ONLY === 'raw' ? runRaw() : runConnector());
    process.stdout.write(`BENCH_MARK end ${round}\n`);
  } else if (round % 2 === 0) {
    await runRaw();
    await runConnector();
  } else {
    await runConnector();
    await runRaw();
  }
}
await pulsar.close();
if (ONLY !== undefined) {
  const runs = ONLY === 'raw' ? raw : connector;
  for (const run of runs)
    process.stdout.write(
      `${ONLY}: steady ${Math.round(MESSAGES / ((run.last - run.first) / 1000))} msg/s, gc ${Math.round(run.gcMs)} ms (scavenges ${Math.round(run.minorGcMs)} ms)\n`,
    );
  process.exit(0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round2 = (x: number) => Number(x.toFixed(2));
const rate = (ms: number) => Math.round(MESSAGES / (ms / 1000));
const mb = (ms: number) => round2((MESSAGES * SIZE) / 1e6 / (ms / 1000));
function summary(runs: Run[]) {
  const total = median(runs.map((r) => r.end - r.start));
  const startup = median(runs.map((r) => r.first - r.start));
  const steady = median(runs.map((r) => r.last - r.first));
  const cpu = median(runs.map((r) => r.cpuMs / (r.end - r.start)));
  return {
    msgsPerSec: rate(total),
    mbPerSec: mb(total),
    totalMs: Math.round(total),
    startupMs: Math.round(startup),
    steadyMsgsPerSec: rate(steady),
    steadyMbPerSec: mb(steady),
    /** Share of one core this process used over the run (1 = busy all the time). */
    cpuShare: round2(cpu),
    /** Garbage-collection pauses over the run. */
    gcMs: Math.round(median(runs.map((r) => r.gcMs))),
    /** Of which young-generation collections (scavenges). */
    minorGcMs: Math.round(median(runs.map((r) => r.minorGcMs))),
  };
}
const r = summary(raw);
const c = summary(connector);
const result = {
  messages: MESSAGES,
  sizeBytes: SIZE,
  partitions: PARTITIONS,
  receiverQueueSize: QUEUE,
  rounds: ROUNDS,
  raw: r,
  connector: c,
  /** Connector / raw on the whole run (start-up included). */
  ratio: round2(r.totalMs / c.totalMs),
  /** Connector / raw from first to last record. */
  steadyRatio: round2(c.steadyMsgsPerSec / r.steadyMsgsPerSec),
  loadAverage: loadavg().map((l) => round2(l)),
};
const line = (name: string, s: typeof r) =>
  `${name.padEnd(13)} total ${String(s.msgsPerSec).padStart(8)} msg/s ${String(s.mbPerSec).padStart(6)} MB/s (${s.totalMs} ms) | start-up ${String(s.startupMs).padStart(4)} ms | steady ${String(s.steadyMsgsPerSec).padStart(8)} msg/s ${s.steadyMbPerSec} MB/s | cpu ${s.cpuShare} | gc ${s.gcMs} ms (scavenges ${s.minorGcMs} ms)\n`;
process.stdout.write(
  `consume ${MESSAGES} × ${SIZE} B over ${PARTITIONS} partitions, receiver queue ${QUEUE}, median of ${ROUNDS} rounds\n` +
    line('raw client', r) +
    line('PulsarSource', c) +
    `ratio ${result.ratio} (steady state ${result.steadyRatio}) (load ${result.loadAverage.join(' ')})\n`,
);
process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
