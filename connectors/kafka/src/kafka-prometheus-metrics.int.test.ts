import { createServer } from 'node:net';
import { DiscardingSink, type JobResult, Pipeline, silentLogger, Watermarks } from '@tributary/core';
import {
  type KafkaService,
  type PrometheusServer,
  resolveDashboardQueries,
  startPrometheus,
  useService,
  waitUntil,
} from '@tributary/e2e';
import {
  type DashboardPanelRequirement,
  grafanaDashboardPanels,
  PrometheusReporter,
} from '@tributary/metrics';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRecordSerializer } from './sink/kafka-record-serializer.js';
import { KafkaSink } from './sink/kafka-sink.js';
import {
  type KafkaMessage,
  kafkaMessageDeserializer,
  utf8Schema,
} from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { readTopic } from './testing-fixtures/committed-reader.js';
import { exactInput } from './testing-fixtures/exact-input.js';

/**
 * A bounded Kafka → Kafka (exactly-once) job as an operator sees it: a real Prometheus scrapes it
 * every second; its final scraped values equal the job's result and the output topic; the lag
 * gauge is absent (never 0) until the backlog is known; every dashboard panel that applies to a
 * Kafka job returns data.
 */

/** Panels a Kafka → Kafka job cannot fill. */
const NOT_FOR_KAFKA: ReadonlySet<DashboardPanelRequirement> = new Set([
  'pending-bytes', // Kafka knows records, not bytes, of its backlog
  'routes', // no RoutingSink in this job
]);

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `name{labels} value` lines of a Prometheus exposition whose name matches exactly. */
function samples(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) out.push({ labels: match[2] ?? '', value: Number(match[3]) });
  }
  return out;
}

describe('a Kafka job scraped by a real Prometheus', () => {
  let kafka: KafkaService;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    kafka = await useService('kafka');
    prometheus = await startPrometheus({ scrapeIntervalMs: 1_000 });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await kafka?.close();
  });

  it('final values exact, pendingRecords absent until known, every Kafka panel returns data', async () => {
    const partitions = 3;
    const perPartition = process.env.CI === 'true' ? 20_000 : 40_000;
    const total = partitions * perPartition;
    const input = await kafka.createTopic({ partitions });
    const output = await kafka.createTopic({ partitions });
    const client = new Kafka({ brokers: kafka.brokers, clientId: 'metrics-e2e', logLevel: logLevel.NOTHING });
    const producer = client.producer(exactInput);
    await producer.connect();
    for (let p = 0; p < partitions; p++) {
      for (let start = 0; start < perPartition; start += 5000) {
        const count = Math.min(5000, perPartition - start);
        await producer.send({
          topic: input,
          messages: Array.from({ length: count }, (_, i) => ({
            partition: p,
            key: `p${p}`,
            value: `p${p}-${start + i}`,
          })),
        });
      }
    }
    await producer.disconnect();

    const port = await freeLoopbackPort();
    const target = `127.0.0.1:${port}`;
    await prometheus.setTargets([target]);
    const jobName = `kafka-metrics-${process.pid}-${Date.now()}`;
    const source = new KafkaSource<KafkaMessage<string, string>>(
      { brokers: kafka.brokers, topics: [input], stoppingOffsets: 'latest', maxRecordsPerPoll: 500 },
      kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }),
    );
    const sink = new KafkaSink<KafkaMessage<string, string>>(
      {
        brokers: kafka.brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: `${output}-job`,
        transactionTimeoutMs: 60_000,
      },
      kafkaRecordSerializer({
        topic: output,
        key: (m) => m.key,
        value: (m) => m.value,
        partitioner: (m) => m.partition,
      }),
    );
    const job = Pipeline.from(source, {
      name: 'kafka-in',
      watermarks: Watermarks.boundedOutOfOrderness(1_000),
    })
      .sinkTo(sink, { name: 'kafka-out' })
      .start(
        {
          jobName,
          parallelism: 2,
          checkpointing: { intervalMs: 300 },
          metrics: {
            prometheus: { port, host: '127.0.0.1', lingerAfterFinishMs: 120_000, rateIntervalMs: 1_000 },
          },
        },
        { logger: silentLogger },
      );
    const reporter = (await job.metricReporters()).find(
      (r): r is PrometheusReporter => r instanceof PrometheusReporter,
    ) as PrometheusReporter;

    // Scrape the endpoint ourselves, as fast as it answers, until the job ends: before the first
    // record is read, the lag is either absent or the whole backlog — never a false 0.
    let ended = false;
    const early: { recordsIn: number; pending: number[] }[] = [];
    const watcher = (async () => {
      while (!ended) {
        const text = await (await fetch(reporter.url)).text();
        const recordsIn = samples(text, 'tributary_numRecordsIn_total').reduce((s, x) => s + x.value, 0);
        const pending = samples(text, 'tributary_pendingRecords')
          .filter((x) => !x.labels.includes('partition='))
          .map((x) => x.value);
        if (recordsIn === 0) early.push({ recordsIn, pending });
        else break;
      }
    })();

    let result: JobResult;
    try {
      result = await job.result;
      ended = true;
      await watcher;
      const endedAt = Date.now();
      expect(early.length).toBeGreaterThan(0);
      for (const scrape of early) for (const value of scrape.pending) expect(value).toBeGreaterThan(0);

      await waitUntil(
        async () => {
          const [n] = await prometheus.query(
            `count_over_time(tributary_numberOfCompletedCheckpoints_total{job_name="${jobName}"}[4s])`,
          );
          const [t] = await prometheus.query(
            `timestamp(tributary_numberOfCompletedCheckpoints_total{job_name="${jobName}"})`,
          );
          if ((n?.value ?? 0) < 3 || (t?.value ?? 0) * 1000 <= endedAt)
            throw new Error('not scraped enough yet');
        },
        { what: 'scrapes after the job ended', timeoutMs: 30_000, maxIntervalMs: 250 },
      );
      const one = async (expr: string): Promise<number> => {
        const found = await prometheus.query(expr);
        expect(found, expr).toHaveLength(1);
        return (found[0] as { value: number }).value;
      };
      const sel = `job_name="${jobName}"`;
      const written = (await readTopic(kafka.brokers, output)).reduce((sum, p) => sum + p.values.length, 0);
      expect(written).toBe(total);
      expect(await one(`sum(tributary_numRecordsIn_total{${sel}})`)).toBe(total);
      expect(await one(`sum(tributary_numRecordsSend_total{${sel}})`)).toBe(written);
      expect(await one(`sum(tributary_numRecordsSendErrors_total{${sel}})`)).toBe(0);
      expect(await one(`sum(tributary_numberOfCompletedCheckpoints_total{${sel}})`)).toBe(
        result.completedCheckpoints,
      );
      expect(await one(`max(tributary_lastCompletedCheckpointId{${sel}})`)).toBe(result.lastCheckpointId);
      expect(await one(`sum(tributary_pendingCommittables{${sel}})`)).toBe(0);
      expect(await one(`sum(tributary_successfulCommittables_total{${sel}})`)).toBe(
        await one(`sum(tributary_totalCommittables_total{${sel}})`),
      );
      // Caught up at the end: the subtask-level lag is 0 (finished partitions drop their series).
      expect(await one(`sum(tributary_pendingRecords{${sel}, partition=""})`)).toBe(0);
      // The fetch lag is measured from the record timestamps (written before the job started).
      expect(await one(`max(tributary_currentFetchEventTimeLag{${sel}})`)).toBeGreaterThan(0);

      const panels = grafanaDashboardPanels().filter(
        (p) => p.requires === undefined || !NOT_FOR_KAFKA.has(p.requires),
      );
      const queries = resolveDashboardQueries(panels, { job: jobName, rateInterval: '4s', range: '10m' });
      const empty: string[] = [];
      for (const query of queries) {
        if ((await prometheus.query(query.expr)).length === 0)
          empty.push(`${query.row} / ${query.panel}: ${query.expr}`);
      }
      expect(empty).toEqual([]);
    } finally {
      ended = true;
      await reporter.stop();
      await job.result.catch(() => undefined);
    }
  });

  it('shows a partition breakdown of pendingRecords while the job runs', async () => {
    const input = await kafka.createTopic({ partitions: 2 });
    const client = new Kafka({ brokers: kafka.brokers, clientId: 'metrics-e2e', logLevel: logLevel.NOTHING });
    const producer = client.producer(exactInput);
    await producer.connect();
    for (const partition of [0, 1]) {
      await producer.send({
        topic: input,
        messages: Array.from({ length: 50 * (partition + 1) }, (_, i) => ({ partition, value: `v${i}` })),
      });
    }
    await producer.disconnect();
    // Unbounded, from the earliest offsets: each owned partition gets its own series.
    const source = new KafkaSource<KafkaMessage<string, string>>(
      { brokers: kafka.brokers, topics: [input], stoppingOffsets: 'never' },
      kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }),
    );
    await using job = Pipeline.from(source, { name: 'kafka-in' })
      .sinkTo(new DiscardingSink())
      .start(
        {
          parallelism: 1,
          metrics: { prometheus: { port: 0, host: '127.0.0.1', lingerAfterFinishMs: 0 } },
        },
        { logger: silentLogger },
      );
    const reporter = (await job.metricReporters())[0] as PrometheusReporter;
    const perPartition = await waitUntil(
      async () => {
        const text = await (await fetch(reporter.url)).text();
        const found = samples(text, 'tributary_pendingRecords');
        const byPartition = found.filter((x) => x.labels.includes('partition='));
        if (byPartition.length < 2) throw new Error('no per-partition series yet');
        return found;
      },
      { what: 'per-partition pendingRecords', timeoutMs: 30_000, maxIntervalMs: 200 },
    );
    const labelled = perPartition.filter((x) => x.labels.includes(`topic="${input}"`));
    expect(labelled.map((x) => /partition="(\d+)"/.exec(x.labels)?.[1]).sort()).toEqual(['0', '1']);
    const subtask = perPartition.find((x) => !x.labels.includes('partition='));
    expect(subtask?.value).toBe(labelled.reduce((s, x) => s + x.value, 0));
  });
});
