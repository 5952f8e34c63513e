/**
 * Pulsar source benchmark against the local broker of `@tributary/e2e` (started on first use):
 * a raw `@tributary/pulsar-client` consume loop (one Exclusive consumer per partition,
 * `takeQueued` batches, one cumulative ack per batch) vs `PulsarSource` (Exclusive, earliest →
 * latest) through a Tributary job into a `DiscardingSink`, reading the same topic (each run on
 * its own subscription). Alternating order per round, a warm-up round first, median of ROUNDS.
 * Prints a table and one `BENCH_JSON {...}` line with the machine's load average; the ratio is
 * connector / raw (target ≥ 0.9). Nothing fails on it.
 *
 * Run: `pnpm --filter @tributary/connector-pulsar bench` (`BENCH_SCALE=0.1` for a smoke run).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { useService } from '@tributary/e2e';
import { type Consumer, PulsarClient } from '@tributary/pulsar-client';
import { PulsarSource } from '../src/source/pulsar-source.js';

const PARTITIONS = 3;
const SIZE = 100;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const MESSAGES = Math.max(3000, Math.round(300_000 * scale));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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

/** Messages taken so far by the raw consumers of one round. */
interface RoundCount {
  taken: number;
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
    const batch = consumer.takeQueued(1000);
    if (batch.length === 0) {
      if (Date.now() > deadline) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
        if (consumer.queuedCount > 0) resolve();
      });
      continue;
    }
    deadline = Date.now() + 60_000;
    round.taken += batch.length;
    void consumer.acknowledgeCumulative(batch[batch.length - 1] as (typeof batch)[number]);
  }
}

async function rawRound(subscription: string): Promise<number> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const partitions = await client.partitionsOf(topic);
    const start = performance.now();
    const consumers = await Promise.all(
      partitions.map((p) => client.subscribe({ topic: p, subscription, initialPosition: 'earliest' })),
    );
    const round: RoundCount = { taken: 0 };
    await Promise.all(consumers.map((c) => drainBatched(c, round)));
    const ms = performance.now() - start;
    if (round.taken !== MESSAGES) throw new Error(`raw loop read ${round.taken} of ${MESSAGES}`);
    return ms;
  } finally {
    await client.close();
  }
}

async function connectorRound(subscription: string): Promise<number> {
  const source = new PulsarSource<Uint8Array>(
    { serviceUrl, topics: [topic], subscriptionName: subscription, stopCursor: 'latest' },
    { deserialize: (m) => m.payload },
  );
  const start = performance.now();
  const result = await Pipeline.from(source)
    .sinkTo(new DiscardingSink())
    .execute({ parallelism: 1 }, { logger: silentLogger });
  const ms = performance.now() - start;
  if (result.status !== 'finished') throw new Error(`job ${result.status}`);
  return ms;
}

await produce();
const raw: number[] = [];
const connector: number[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const runRaw = async () => {
    const ms = await rawRound(`raw-${round}`);
    if (round > 0) raw.push(ms);
  };
  const runConnector = async () => {
    const ms = await connectorRound(`connector-${round}`);
    if (round > 0) connector.push(ms);
  };
  if (round % 2 === 0) {
    await runRaw();
    await runConnector();
  } else {
    await runConnector();
    await runRaw();
  }
}
await pulsar.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rate = (ms: number) => Math.round(MESSAGES / (ms / 1000));
const mb = (ms: number) => Number(((MESSAGES * SIZE) / 1e6 / (ms / 1000)).toFixed(2));
const result = {
  messages: MESSAGES,
  sizeBytes: SIZE,
  partitions: PARTITIONS,
  rounds: ROUNDS,
  raw: { msgsPerSec: rate(median(raw)), mbPerSec: mb(median(raw)) },
  connector: { msgsPerSec: rate(median(connector)), mbPerSec: mb(median(connector)) },
  ratio: Number((median(raw) / median(connector)).toFixed(2)),
  loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
};
process.stdout.write(
  `consume  raw ${result.raw.msgsPerSec} msg/s ${result.raw.mbPerSec} MB/s | PulsarSource ${result.connector.msgsPerSec} msg/s ${result.connector.mbPerSec} MB/s | ratio ${result.ratio} (load ${result.loadAverage.join(' ')})\n`,
);
process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
