/**
 * Metrics overhead benchmark: the same job (datagen → discarding sink, 1 KB records) through the
 * runtime with metrics on — the job option `metrics: { prometheus }` with its endpoint scraped
 * over HTTP every `BENCH_SCRAPE_MS` — vs off (no reporter), in the same process and run, order
 * rotated every round. Prints records/s and the on/off ratio (target: at most 3 % apart; no
 * pass/fail threshold, the numbers are for the report).
 * Run: pnpm --filter @tributary/metrics bench
 */
import {
  DataGeneratorSource,
  DiscardingSink,
  type JobOptionsInput,
  MetricRegistry,
  Pipeline,
  silentLogger,
} from '@tributary/core';
import { PrometheusReporter } from '../src/index.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 5_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const SCRAPE_MS = Number(process.env.BENCH_SCRAPE_MS ?? 500);
const BATCH = 1000;

interface Row {
  readonly id: number;
  readonly ts: number;
  readonly payload: Buffer;
}
// A freshly allocated 1 KB payload per record, as in the core runtime bench.
const generate = (i: number): Row => {
  const payload = Buffer.allocUnsafe(1024);
  payload.writeUInt32LE(i, 0);
  payload.writeUInt32LE(i, 1020);
  return { id: i, ts: 1_700_000_000_000 + i, payload };
};

interface RunResult {
  readonly recordsPerSecond: number;
  readonly scrapes: number;
}

async function run(metricsOn: boolean): Promise<RunResult> {
  const registry = new MetricRegistry();
  const options: JobOptionsInput = {
    jobName: 'bench',
    parallelism: 1,
    ...(metricsOn
      ? {
          metrics: {
            prometheus: { port: 0, host: '127.0.0.1', rateIntervalMs: SCRAPE_MS, lingerAfterFinishMs: 0 },
          },
        }
      : {}),
  };
  const start = performance.now();
  const client = Pipeline.from(
    new DataGeneratorSource<Row>({ generator: generate, count: RECORDS, maxRecordsPerPoll: BATCH }),
  )
    .sinkTo(new DiscardingSink<Row>())
    .start(options, { logger: silentLogger, metricRegistry: registry });
  let scrapes = 0;
  let scraper: NodeJS.Timeout | undefined;
  if (metricsOn) {
    const prometheus = (await client.metricReporters()).find((r) => r instanceof PrometheusReporter);
    if (!(prometheus instanceof PrometheusReporter)) throw new Error('no Prometheus reporter');
    const url = prometheus.url;
    // Like a Prometheus server: one scrape per interval, the whole exposition read each time.
    scraper = setInterval(() => {
      fetch(url)
        .then((res) => res.text())
        .then((text) => {
          if (text.includes('tributary_numRecordsSend_total')) scrapes++;
        })
        .catch(() => undefined); // the job may end between two scrapes
    }, SCRAPE_MS);
  }
  try {
    await client.result;
  } finally {
    clearInterval(scraper);
  }
  const seconds = (performance.now() - start) / 1000;
  if (registry.sum('numRecordsSend') !== RECORDS) throw new Error('runtime lost records');
  if (metricsOn && seconds * 1000 > 2 * SCRAPE_MS && scrapes === 0)
    throw new Error('the endpoint was never scraped');
  return { recordsPerSecond: RECORDS / seconds, scrapes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const on: number[] = [];
const off: number[] = [];
// On/off ratio of each round's pair: on a shared machine the load drifts between rounds, and a
// pair run back to back sees about the same load, so the median pair ratio is the steadier figure.
const pairRatios: number[] = [];
let scrapes = 0;
await run(true); // warm-up (JIT, prom-client, HTTP)
await run(false);
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order so garbage left by one variant does not always land on the other.
  for (const metricsOn of r % 2 === 0 ? [true, false] : [false, true]) {
    const result = await run(metricsOn);
    (metricsOn ? on : off).push(result.recordsPerSecond);
    scrapes += result.scrapes;
  }
  pairRatios.push((on.at(-1) as number) / (off.at(-1) as number));
}
const fmt = (n: number) => `${(n / 1e6).toFixed(3)} M rec/s`;
const result = {
  records: RECORDS,
  rounds: ROUNDS,
  scrapeIntervalMs: SCRAPE_MS,
  scrapes,
  metricsOff: median(off),
  metricsOn: median(on),
  metricsOffBest: Math.max(...off),
  metricsOnBest: Math.max(...on),
  onVsOff: median(pairRatios),
  onVsOffOfMedians: median(on) / median(off),
  onVsOffOfBest: Math.max(...on) / Math.max(...off),
  differencePercent: (1 - median(pairRatios)) * 100,
};
console.log(
  `metrics bench: ${RECORDS} 1 KB records x ${ROUNDS} rounds (median), scrape every ${SCRAPE_MS} ms`,
);
console.log(
  `  metrics off (no reporter)              ${fmt(result.metricsOff)}  [${off.map(fmt).join(', ')}]`,
);
console.log(`  metrics on (Prometheus, scraped)       ${fmt(result.metricsOn)}  [${on.map(fmt).join(', ')}]`);
console.log(
  `  ratio on / off: median of pairs ${result.onVsOff.toFixed(3)} (difference ${result.differencePercent.toFixed(1)} %, target ≤ 3 %), of medians ${result.onVsOffOfMedians.toFixed(3)}, of best ${result.onVsOffOfBest.toFixed(3)}; ${scrapes} scrapes`,
);
console.log(`BENCH_JSON ${JSON.stringify({ bench: 'metrics-overhead', ...result })}`);
