import type { RunMeasurement } from './peer-run.js';

/** One cell of the matrix, every system's median over the rounds. */
export interface CellResult {
  readonly scenario: string;
  readonly size: number;
  readonly parallelism: number;
  readonly records: number;
  readonly systems: Readonly<Record<string, RunMeasurement>>;
}

export interface ReportInput {
  readonly date: string;
  readonly machine: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly rounds: number;
  readonly cells: readonly CellResult[];
  readonly perfTools: Readonly<Record<string, { producer: number; consumer: number }>>;
  readonly latency: readonly {
    scenario: string;
    system: string;
    p50Ms: number;
    p99Ms: number;
    rate: number;
  }[];
  readonly smoke: boolean;
  /** Scenarios re-measured later by a `--merge` run, with when and on what. */
  readonly notes?: readonly string[];
}

const SCENARIO_TITLES: Record<string, string> = {
  passthrough: 'Kafka → Kafka pass-through, at-least-once',
  'exactly-once': 'Kafka → Kafka pass-through, exactly-once (1 s checkpoints)',
  'json-avro': 'Kafka (JSON) → map → Kafka (Avro), at-least-once',
  'csv-parquet': 'Files CSV → Parquet, bounded',
};

const num = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits });

/** Median of each metric over the rounds of one system in one cell. */
export function medianMeasurement(runs: readonly RunMeasurement[]): RunMeasurement {
  const median = (pick: (r: RunMeasurement) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  return {
    recordsPerSecond: median((r) => r.recordsPerSecond),
    cpuMs: median((r) => r.cpuMs),
    peakRssKb: median((r) => r.peakRssKb),
    firstRecordMs: median((r) => r.firstRecordMs),
    wallMs: median((r) => r.wallMs),
  };
}

/** The results as docs/benchmarks.md. */
export function markdownReport(input: ReportInput, svgName: string): string {
  const lines: string[] = [
    '# Benchmarks against the peers',
    '',
    `Measured ${input.date} on ${input.machine}, median of ${input.rounds} round(s), systems in alternating order.`,
    `Versions: ${Object.entries(input.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    ...(input.notes ?? []).map((note) => `Re-measured: ${note}`),
    '',
    'Written by `pnpm bench:peers` (bench/peers); re-run it to refresh this page. Every job reads the same',
    'input topic (2 partitions) on the same local broker and writes a fresh output topic; each system runs',
    'as its own process, so CPU time and peak RSS are its own (the broker excluded).',
    '',
    `![Throughput per scenario](./${svgName})`,
    '',
    '## How to read the numbers',
    '',
    '- **records/s**: input records over the writing phase, from the first record in the output topic to the last (polled high watermark; start-up and shutdown excluded).',
    "- **CPU s / M records**: the job process's user + system CPU time (`/proc/self/stat`) per million records, start-up included.",
    '- **peak RSS**: `VmHWM` of the job process.',
    '- **first record**: process start to the first record in the output topic (start-up: runtime, clients, job graph).',
    '- All jobs checkpoint every second (Tributary: file checkpoints; Flink: filesystem checkpoint storage).',
    '- **Exactly-once** output becomes visible only when a checkpoint commits (every second), so its records/s move in whole checkpoints: with 50 000 records of 1 KB the writing phase spans only a few commits, and one commit more or less swings that cell by a factor of 2 between runs. The 100 B cells (200 000 records) are the steadier comparison.',
    "- **Files CSV → Parquet** reads the same kind of records as CSV lines (`id,ts,pad`, 4 files; five times as many as the Kafka scenarios, after one warm-up run per system, so the runtime is not mostly JIT warm-up) and writes uncompressed Parquet (Flink: FileSource with `CsvReaderFormat`, FileSink with `AvroParquetWriters.forReflectRecord`; Tributary: FileSource with `CsvFileFormat`, FileSink with `ParquetWriterFormat`). There is no stream to watch, so its records/s are over the job's own runtime (Flink's net runtime, Tributary's `execute()`), its *first record* column is the start-up before the job ran, and the output rows are counted in the Parquet footers with hyparquet.",
    "- Producer batching is the same for all: Flink's KafkaSink and `kafka-producer-perf-test` run the Java producer with `batch.size=1048576` and `linger.ms=5` (the defaults' 16 KB batches would cap 1 KB records at the per-request rate); Tributary's sink accumulates records across runtime polls into kafkajs requests of up to 1 000 records or 1 MB, with the same `lingerMs: 5`.",
    "- **raw-kafkajs** is the pass-through loop a user writes with kafkajs's public API: a consumer group with `eachBatch` and the same producer settings as the at-least-once sink. Each partition's next fetch waits until its batch was sent. Tributary's source fetches with kafkajs's protocol layer directly (a split fetcher per reader) and keeps fetching while the sink sends, which is why it can come out ahead of this loop. Treat raw-kafkajs as what kafkajs's consumer API gives, not as an upper bound: the broker's own perf tools below are the machine's limit.",
    '',
  ];
  for (const scenario of Object.keys(SCENARIO_TITLES)) {
    const cells = input.cells.filter((c) => c.scenario === scenario);
    if (cells.length === 0) continue;
    lines.push(`## ${SCENARIO_TITLES[scenario]}`, '');
    lines.push(
      '| record | parallelism | system | records/s | vs Flink | CPU s / M records | peak RSS MiB | first record ms |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const cell of cells) {
      const flink = cell.systems.flink?.recordsPerSecond;
      for (const [system, m] of Object.entries(cell.systems)) {
        const ratio = flink === undefined ? '' : (m.recordsPerSecond / flink).toFixed(2);
        lines.push(
          `| ${cell.size} B | ${cell.parallelism} | ${system} | ${num(m.recordsPerSecond)} | ${ratio} | ${num(
            m.cpuMs / 1000 / (cell.records / 1e6),
            1,
          )} | ${num(m.peakRssKb / 1024)} | ${num(m.firstRecordMs)} |`,
        );
      }
    }
    lines.push('');
  }
  lines.push(...verdict(input.cells));
  lines.push("## The machine's limit: Kafka's own perf tools", '');
  lines.push(
    '| record | kafka-producer-perf-test records/s | kafka-consumer-perf-test records/s |',
    '|---|---|---|',
  );
  for (const [size, r] of Object.entries(input.perfTools)) {
    lines.push(`| ${size} | ${num(r.producer)} | ${num(r.consumer)} |`);
  }
  lines.push('', '## End-to-end latency at a fixed rate', '');
  lines.push('| scenario | system | rate records/s | p50 ms | p99 ms |', '|---|---|---|---|---|');
  for (const l of input.latency) {
    lines.push(`| ${l.scenario} | ${l.system} | ${num(l.rate)} | ${num(l.p50Ms)} | ${num(l.p99Ms)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** A grouped bar chart (SVG, no dependencies) of records/s per cell and system. */
export function throughputSvg(cells: readonly CellResult[]): string {
  const systems = [...new Set(cells.flatMap((c) => Object.keys(c.systems)))];
  const colors = ['#2f6fb3', '#e07b39', '#6a9f4b', '#8e6bb8'];
  const max = Math.max(1, ...cells.flatMap((c) => Object.values(c.systems).map((m) => m.recordsPerSecond)));
  const bar = 14;
  const group = systems.length * bar + 16;
  const left = 230;
  const width = 760;
  const height = cells.length * group + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    '<title>Records per second per scenario, record size, parallelism and system</title>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  cells.forEach((cell, i) => {
    const y = 30 + i * group;
    parts.push(
      `<text x="${left - 8}" y="${y + (systems.length * bar) / 2 + 4}" text-anchor="end">${cell.scenario} ${cell.size} B p=${cell.parallelism}</text>`,
    );
    systems.forEach((system, s) => {
      const m = cell.systems[system];
      if (!m) return;
      const w = ((width - left - 90) * m.recordsPerSecond) / max;
      parts.push(
        `<rect x="${left}" y="${y + s * bar}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${colors[s % colors.length]}"/>`,
        `<text x="${left + w + 4}" y="${y + s * bar + 10}">${num(m.recordsPerSecond)}</text>`,
      );
    });
  });
  systems.forEach((system, s) => {
    parts.push(
      `<rect x="${left + s * 130}" y="8" width="10" height="10" fill="${colors[s % colors.length]}"/>`,
      `<text x="${left + s * 130 + 14}" y="17">${system} records/s</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** Why a scenario can come out behind Flink: facts about the two implementations, not guesses. */
const REASONS: Record<string, string> = {
  passthrough:
    "Tributary's at-least-once sink uses kafkajs's idempotent producer with one request in flight per broker; Flink's KafkaSink uses the Java producer, which pipelines up to five requests per connection and batches across partitions with `linger.ms`/`batch.size`.",
  'exactly-once':
    'Both commit one transaction per checkpoint; the difference follows the at-least-once producer difference above plus the per-checkpoint transaction round trips (AddPartitionsToTxn, EndTxn and the wait for the markers).',
  'json-avro':
    "The JSON parse and Avro encode are CPU-bound. Both systems run each subtask on its own core (Tributary's job is a `defineJob` module, so `workers: 'auto'` puts each subtask in a worker thread; Flink runs one task slot per subtask), so the difference is the per-record work: V8's `JSON.parse` plus a JavaScript Avro encoder against the JIT-compiled Jackson and Avro of the JVM.",
  'csv-parquet':
    "CSV parsing and Parquet encoding are CPU-bound and both run each subtask on its own core; the difference is the per-record work of a JavaScript CSV parser and Parquet writer (hyparquet-writer) against Jackson's CSV reader and parquet-mr on the JVM's JIT, and Tributary's writer buffering a row group's values as JavaScript values.",
};

/** Why a scenario can come out ahead of Flink: facts about the two jobs, not guesses. */
const AHEAD_REASONS: Partial<Record<string, string>> = {
  'csv-parquet':
    "Flink's DataStream job turns each row into an Avro record by reflection (`AvroParquetWriters.forReflectRecord`, the documented Parquet writer for POJOs) and writes through parquet-mr's Hadoop `ParquetWriter`; Tributary's `ParquetWriterFormat` appends each row's values to per-column arrays and encodes a row group at once. Flink's Table API writes Parquet from its columnar `RowData` instead, which this DataStream comparison does not use.",
};

/** Per scenario: the Tributary/Flink ratios, and the reason where Tributary is behind (or known, ahead). */
function verdict(cells: readonly CellResult[]): string[] {
  const lines = ['## Tributary vs Flink, in short', ''];
  for (const cell of cells) {
    const t = cell.systems.tributary;
    const f = cell.systems.flink;
    if (!t || !f) continue;
    const throughput = t.recordsPerSecond / f.recordsPerSecond;
    const cpu = t.cpuMs / f.cpuMs;
    const rss = t.peakRssKb / f.peakRssKb;
    const start = t.firstRecordMs / f.firstRecordMs;
    const ahead = AHEAD_REASONS[cell.scenario];
    const behind =
      throughput < 1 ? ` Behind: ${REASONS[cell.scenario]}` : ahead === undefined ? '' : ` Ahead: ${ahead}`;
    lines.push(
      `- ${SCENARIO_TITLES[cell.scenario]}, ${cell.size} B, p=${cell.parallelism}: throughput ${throughput.toFixed(2)}x Flink's, CPU ${cpu.toFixed(2)}x, peak RSS ${rss.toFixed(2)}x, time to first record ${start.toFixed(2)}x.${behind}`,
    );
  }
  lines.push('');
  return lines;
}
