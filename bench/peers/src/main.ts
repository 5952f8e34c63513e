/**
 * `pnpm bench:peers [-- --smoke]`: Tributary vs Apache Flink (local MiniCluster) vs a raw kafkajs
 * loop on the same local Kafka broker, plus Kafka's own perf tools as the machine's limit.
 * Writes docs/benchmarks.md and docs/benchmarks-throughput.svg (smoke: .reports/ instead).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createJsonLogger } from '@tributary/core';
import { javaCommand, KAFKA_VERSION, resolveMavenArtifacts, useService } from '@tributary/e2e';
import { FLINK_ARTIFACTS, FLINK_VERSION, kafkaToolsArtifacts } from './flink-artifacts.js';
import { consumerPerfTest, producerPerfTest } from './kafka-perf-tools.js';
import { measureLatency } from './latency.js';
import { highWatermark, type RunMeasurement, runChildJob, runFileJob } from './peer-run.js';
import {
  type CellResult,
  markdownReport,
  medianMeasurement,
  type ReportInput,
  throughputSvg,
} from './report.js';
import {
  assertPackagesBuilt,
  childJob,
  compileFlinkJob,
  type JobSpec,
  PEERS_DIR,
  type Scenario,
  type SystemName,
} from './systems.js';
import { eventCsvLine, eventJson, RECORD_SIZES } from './workload.js';

const { values: flags } = parseArgs({
  // `pnpm bench:peers -- --smoke` passes the `--` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    out: { type: 'string' },
    // A subset of the scenarios (comma-separated), e.g. to re-measure one on a quiet machine.
    scenarios: { type: 'string' },
    // Keep the other scenarios' results from the last run's benchmarks.json instead of dropping them.
    merge: { type: 'boolean', default: false },
  },
});
const smoke = flags.smoke === true;
const rounds = Number(flags.rounds ?? (smoke ? 1 : 3));
const PARTITIONS = 2;
const ALL_SCENARIOS: Scenario[] = ['passthrough', 'exactly-once', 'json-avro', 'csv-parquet'];
const chosen = flags.scenarios?.split(',').map((s) => s.trim()) ?? ALL_SCENARIOS;
for (const name of chosen) {
  if (!ALL_SCENARIOS.includes(name as Scenario))
    throw new Error(`--scenarios: unknown scenario '${name}' (one of ${ALL_SCENARIOS.join(', ')})`);
}
/** The Kafka scenarios to run (the files scenario runs on its own below). */
const SCENARIOS = ALL_SCENARIOS.filter((s) => s !== 'csv-parquet' && chosen.includes(s));
const RUN_FILES = chosen.includes('csv-parquet');
const SIZES = smoke ? [100] : [...RECORD_SIZES];
const PARALLELISMS = smoke ? [1] : [1, 2];
const recordsFor = (size: number) => (smoke ? 2_000 : size <= 100 ? 200_000 : 50_000);
// A bounded files job's runtime includes its JIT warm-up: 200 000 rows ran in under a second in
// Tributary and ~4 s in Flink, which measured warm-up more than steady state. Five times more.
const fileRecordsFor = (size: number) => (smoke ? 2_000 : 5 * recordsFor(size));
const JOB_TIMEOUT_MS = 5 * 60_000;
const repoRoot = join(PEERS_DIR, '..', '..');
const outDir = flags.out ?? (smoke ? join(repoRoot, '.reports') : join(repoRoot, 'docs'));
const loadAtStart = loadavg()[0]?.toFixed(1);
const log = (line: string) => process.stderr.write(`[bench:peers] ${line}\n`);

assertPackagesBuilt();
const logger = createJsonLogger({ level: 'warn' });
const java = javaCommand();
const [flinkLib, toolsLib] = await Promise.all([
  resolveMavenArtifacts(FLINK_ARTIFACTS, { logger }),
  resolveMavenArtifacts(kafkaToolsArtifacts(KAFKA_VERSION), { logger }),
]);
const flinkClassPath = await compileFlinkJob(java, flinkLib);
const kafkaService = await useService('kafka');
const brokers = kafkaService.brokers;
const admin = await kafkaService.adminClient();
const kafka = new (await import('kafkajs')).Kafka({
  ...kafkaService.kafkaConfig(),
  logLevel: 0,
});
const scratch = mkdtempSync(join(tmpdir(), 'bench-peers-'));
let runs = 0;

/** Fills a fresh topic with `records` JSON events of `size` bytes. */
async function inputTopic(size: number, records: number): Promise<string> {
  const topic = await kafkaService.createTopic({ prefix: `peers-in-${size}`, partitions: PARTITIONS });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const now = Date.now();
  for (let i = 0; i < records; i += 2000) {
    const n = Math.min(2000, records - i);
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, k) => ({ value: eventJson(i + k, now, size) })),
    });
  }
  await producer.disconnect();
  if ((await highWatermark(admin, topic)) !== records) throw new Error(`input ${topic} is not complete`);
  return topic;
}

/** One job of the matrix, with its own checkpoint directory and run id (group, transactional ids). */
function jobSpec(
  system: SystemName,
  scenario: Scenario,
  job: Pick<JobSpec, 'input' | 'output' | 'parallelism' | 'records' | 'bounded'>,
): JobSpec {
  const checkpointDir = join(scratch, `run-${++runs}`);
  mkdirSync(checkpointDir);
  return {
    ...job,
    brokers,
    scenario,
    partitions: PARTITIONS,
    checkpointDir,
    runId: `peers-${system}-${runs}-${Date.now()}`,
  };
}

async function runOnce(
  system: SystemName,
  scenario: Scenario,
  size: number,
  parallelism: number,
  input: string,
) {
  const records = recordsFor(size);
  const output = await kafkaService.createTopic({ prefix: `peers-out-${system}`, partitions: PARTITIONS });
  const spec = jobSpec(system, scenario, { input, output, parallelism, records, bounded: true });
  const { checkpointDir } = spec;
  try {
    const m = await runChildJob(admin, childJob(system, spec, { java, flinkClassPath }, JOB_TIMEOUT_MS));
    const written = await highWatermark(admin, output);
    // Exactly-once output also holds one commit marker per partition and transaction.
    if (written < records)
      throw new Error(`${system} ${scenario}: ${written} of ${records} records in ${output}`);
    log(
      `${scenario} ${size} B p=${parallelism} ${system}: ${Math.round(m.recordsPerSecond)} records/s, cpu ${m.cpuMs} ms, first record ${Math.round(m.firstRecordMs)} ms`,
    );
    return m;
  } finally {
    await kafkaService.deleteTopic(output).catch(() => undefined);
    rmSync(checkpointDir, { recursive: true, force: true });
  }
}

/** Writes `records` CSV lines of `size` bytes over 4 files into a fresh directory. */
function csvInput(size: number, records: number): string {
  const dir = join(scratch, `csv-${size}`);
  mkdirSync(dir);
  const files = 4;
  const ts = Date.now();
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let id = Math.floor((f * records) / files); id < Math.floor(((f + 1) * records) / files); id++)
      lines.push(eventCsvLine(id, ts, size));
    writeFileSync(join(dir, `part-${f}.csv`), lines.join(''));
  }
  return dir;
}

/** One files CSV → Parquet job of `system` into a fresh output directory. */
async function runFilesOnce(system: SystemName, size: number, parallelism: number, input: string) {
  const records = fileRecordsFor(size);
  const output = join(scratch, `files-out-${runs + 1}`);
  const spec = jobSpec(system, 'csv-parquet', { input, output, parallelism, records, bounded: true });
  try {
    const m = await runFileJob(childJob(system, spec, { java, flinkClassPath }, JOB_TIMEOUT_MS));
    log(
      `csv-parquet ${size} B p=${parallelism} ${system}: ${Math.round(m.recordsPerSecond)} records/s, cpu ${m.cpuMs} ms, start-up ${Math.round(m.firstRecordMs)} ms`,
    );
    return m;
  } finally {
    rmSync(output, { recursive: true, force: true });
    rmSync(spec.checkpointDir, { recursive: true, force: true });
  }
}

/** The median cell of `systems` over the rounds, each round in a rotated order. */
async function measureCell(
  systems: readonly SystemName[],
  run: (system: SystemName) => Promise<RunMeasurement>,
): Promise<Record<string, RunMeasurement>> {
  const measured = new Map<SystemName, RunMeasurement[]>(systems.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order every round: no system always runs first or right after another.
    for (let k = 0; k < systems.length; k++) {
      const system = systems[(k + round + cells.length) % systems.length] as SystemName;
      measured.get(system)?.push(await run(system));
    }
  }
  return Object.fromEntries(systems.map((s) => [s, medianMeasurement(measured.get(s) ?? [])]));
}

const cells: CellResult[] = [];
const perfTools: Record<string, { producer: number; consumer: number }> = {};
const latency: ReportInput['latency'][number][] = [];
try {
  for (const size of SIZES) {
    const records = recordsFor(size);
    const input = await inputTopic(size, records);
    log(`input: ${records} records of ${size} B in ${input}`);
    // Warm the broker, the page cache and Maven/JIT caches once per system before measuring.
    if (!smoke && SCENARIOS.length > 0) {
      for (const system of ['flink', 'tributary'] as const)
        await runOnce(system, 'passthrough', size, 1, input);
    }
    for (const scenario of SCENARIOS) {
      for (const parallelism of PARALLELISMS) {
        const systems: SystemName[] =
          scenario === 'passthrough' ? ['tributary', 'flink', 'raw-kafkajs'] : ['tributary', 'flink'];
        const measuredCell = await measureCell(systems, (system) =>
          runOnce(system, scenario, size, parallelism, input),
        );
        cells.push({ scenario, size, parallelism, records, systems: measuredCell });
      }
    }
    // Files CSV → Parquet on the same records as CSV lines of the same size.
    if (RUN_FILES) {
      const csv = csvInput(size, fileRecordsFor(size));
      if (!smoke)
        for (const system of ['flink', 'tributary'] as const) await runFilesOnce(system, size, 1, csv);
      for (const parallelism of PARALLELISMS) {
        const measuredCell = await measureCell(['tributary', 'flink'], (system) =>
          runFilesOnce(system, size, parallelism, csv),
        );
        cells.push({
          scenario: 'csv-parquet',
          size,
          parallelism,
          records: fileRecordsFor(size),
          systems: measuredCell,
        });
      }
      rmSync(csv, { recursive: true, force: true });
    }
    await kafkaService.deleteTopic(input).catch(() => undefined);
    if (SCENARIOS.length === 0) continue;
    const perfTopic = await kafkaService.createTopic({
      prefix: `peers-perf-${size}`,
      partitions: PARTITIONS,
    });
    const bootstrap = brokers.join(',');
    const producer = await producerPerfTest(java, `${toolsLib}/*`, bootstrap, perfTopic, records, size);
    const consumer = await consumerPerfTest(java, `${toolsLib}/*`, bootstrap, perfTopic, records);
    perfTools[`${size} B`] = { producer: producer.recordsPerSecond, consumer: consumer.recordsPerSecond };
    log(
      `perf tools ${size} B: produce ${producer.recordsPerSecond}/s, consume ${consumer.recordsPerSecond}/s`,
    );
    await kafkaService.deleteTopic(perfTopic).catch(() => undefined);
  }

  const rate = smoke ? 200 : 2000;
  for (const scenario of smoke ? SCENARIOS.filter((s) => s === 'passthrough') : SCENARIOS) {
    for (const system of ['tributary', 'flink'] as const) {
      const input = await kafkaService.createTopic({ prefix: 'peers-lat-in', partitions: PARTITIONS });
      const output = await kafkaService.createTopic({ prefix: 'peers-lat-out', partitions: PARTITIONS });
      const spec = jobSpec(system, scenario, { input, output, parallelism: 1, records: 0, bounded: false });
      const result = await measureLatency({
        kafka,
        input,
        output,
        rate,
        seconds: smoke ? 2 : 10,
        size: 100,
        avroOutput: scenario === 'json-avro',
        job: childJob(system, spec, { java, flinkClassPath }, 120_000),
      });
      latency.push({ scenario, system, rate, p50Ms: result.p50Ms, p99Ms: result.p99Ms });
      log(`latency ${scenario} ${system}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
      await Promise.all([kafkaService.deleteTopic(input), kafkaService.deleteTopic(output)]).catch(
        () => undefined,
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await admin.disconnect().catch(() => undefined);
}

const javaVersion = spawnSync(java, ['-version'], { encoding: 'utf8' }).stderr;
const date = new Date().toISOString().slice(0, 10);
const machine = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadAtStart} at the start and ${loadavg()[0]?.toFixed(1)} at the end`;
const jsonPath = join(outDir, smoke ? 'benchmarks-smoke.json' : 'benchmarks.json');
const previous =
  flags.merge === true && existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as ReportInput)
    : undefined;
const report: ReportInput = {
  date: previous?.date ?? date,
  machine: previous?.machine ?? machine,
  versions: {
    Tributary: (
      JSON.parse(readFileSync(join(repoRoot, 'core', 'package.json'), 'utf8')) as { version: string }
    ).version,
    'Apache Flink': FLINK_VERSION,
    'Kafka broker': KAFKA_VERSION,
    kafkajs: (
      JSON.parse(readFileSync(join(PEERS_DIR, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
    Node: process.version,
    Java: /version "([^"]+)"/.exec(javaVersion)?.[1] ?? 'unknown',
  },
  rounds,
  // A merged run replaces the cells of the scenarios it ran and keeps the others.
  cells: [...(previous?.cells.filter((c) => !chosen.includes(c.scenario)) ?? []), ...cells],
  perfTools: SCENARIOS.length > 0 ? perfTools : (previous?.perfTools ?? perfTools),
  latency: [...(previous?.latency.filter((l) => !chosen.includes(l.scenario)) ?? []), ...latency],
  smoke,
  notes: [
    // An earlier note about the scenarios measured now no longer describes the page.
    ...(previous?.notes ?? []).filter((note) => !note.startsWith(`${chosen.join(', ')} measured`)),
    ...(previous === undefined ? [] : [`${chosen.join(', ')} measured ${date} on ${machine}.`]),
  ],
};
mkdirSync(outDir, { recursive: true });
const svgName = smoke ? 'benchmarks-smoke-throughput.svg' : 'benchmarks-throughput.svg';
writeFileSync(join(outDir, svgName), throughputSvg(report.cells));
writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, smoke ? 'benchmarks-smoke.md' : 'benchmarks.md'), markdownReport(report, svgName));
process.stdout.write(`BENCH_JSON ${JSON.stringify({ bench: 'peers', ...report })}\n`);
log(`wrote ${join(outDir, smoke ? 'benchmarks-smoke.md' : 'benchmarks.md')}`);
process.exit(0);
