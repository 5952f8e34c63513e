/**
 * Files/formats benchmark: CSV → Parquet and JSON Lines → JSON Lines through Tributary
 * (FileSource → FileSink, parallelism 1, exactly-once with checkpoints every 1 s) vs a
 * hand-written read-parse-write loop over the same format classes (the same CSV/JSON parsers,
 * the same Parquet writer) in the same process and run. Rounds alternate the order; the best
 * round of each counts. Prints records/s, MB/s (input bytes) and the ratio, plus one
 * `BENCH_JSON {...}` line. No pass/fail thresholds: the numbers are for the report.
 * Run: pnpm --filter @tributary/example-demo bench
 */
import { mkdir, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BucketAssigners, FileSink, FileSource, LocalFileInput } from '@tributary/connector-files';
import {
  type FileFormat,
  type FileOutput,
  type FileWriterFormat,
  MetricRegistry,
  Pipeline,
  silentLogger,
} from '@tributary/core';
import { JsonFileFormat, JsonWriterFormat } from '@tributary/format-json';
import { DEFAULT_DATASET, ensureDataset } from '../src/demo-dataset.js';
import { writeJsonLinesCopy } from './jsonl-dataset.js';
import { orderCsvFormat, orderParquetFormat } from './order-formats.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Case {
  readonly name: string;
  readonly input: string;
  readonly bytes: number;
  readonly reader: () => FileFormat<unknown>;
  readonly writer: () => FileWriterFormat<unknown>;
}

async function tributary(c: Case, out: string): Promise<number> {
  const metrics = new MetricRegistry();
  const start = performance.now();
  await Pipeline.from(FileSource.forFormat(c.reader(), c.input))
    .sinkTo(FileSink.forFormat(join(out, 'data'), c.writer(), { bucketAssigner: BucketAssigners.basePath() }))
    .execute(
      { parallelism: 1, checkpointing: { intervalMs: 1000, directory: join(out, 'chk') } },
      { logger: silentLogger, metricRegistry: metrics },
    );
  const ms = performance.now() - start;
  const written = metrics.sum('numRecordsSend');
  if (written !== RECORDS)
    throw new Error(`${c.name}: tributary wrote ${written} records, expected ${RECORDS}`);
  return ms;
}

/** The same work without the runtime: read each file batch by batch, write one output file per input. */
async function handWritten(c: Case, out: string): Promise<number> {
  await mkdir(out, { recursive: true });
  const start = performance.now();
  let written = 0;
  const files = (await readdir(c.input)).filter((f) => !f.startsWith('.') && !f.startsWith('_')).sort();
  for (const [i, file] of files.entries()) {
    const input = await LocalFileInput.open(join(c.input, file));
    const reader = c.reader().createReader(input, { start: 0, end: undefined });
    const handle = await open(join(out, `part-${i}${c.writer().extension}`), 'w');
    const output: FileOutput & { bytesWritten: number } = {
      bytesWritten: 0,
      async write(chunk) {
        await handle.write(chunk);
        this.bytesWritten += chunk.byteLength;
      },
    };
    const writer = c.writer().createWriter(output);
    for (let batch = await reader.readBatch(); batch !== null; batch = await reader.readBatch()) {
      await writer.writeBatch(batch.records);
      written += batch.records.length;
    }
    await writer.finish();
    await handle.sync();
    await handle.close();
    await reader.close();
  }
  const ms = performance.now() - start;
  if (written !== RECORDS)
    throw new Error(`${c.name}: hand-written loop wrote ${written} records, expected ${RECORDS}`);
  return ms;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) if (!f.startsWith('_')) total += (await stat(join(dir, f))).size;
  return total;
}

const work = await mkdtemp(join(tmpdir(), 'trib-files-bench-'));
try {
  const csvDir = join(work, 'csv');
  await ensureDataset(csvDir, { ...DEFAULT_DATASET, records: RECORDS, badRatio: 0 });
  const jsonDir = join(work, 'jsonl');
  await writeJsonLinesCopy(csvDir, jsonDir);
  const cases: Case[] = [
    {
      name: 'csv→parquet',
      input: csvDir,
      bytes: await dirBytes(csvDir),
      reader: orderCsvFormat as () => FileFormat<unknown>,
      writer: orderParquetFormat as () => FileWriterFormat<unknown>,
    },
    {
      name: 'jsonl→jsonl',
      input: jsonDir,
      bytes: await dirBytes(jsonDir),
      reader: () => new JsonFileFormat() as FileFormat<unknown>,
      writer: () => new JsonWriterFormat() as FileWriterFormat<unknown>,
    },
  ];
  const results: Record<string, unknown> = {};
  for (const c of cases) {
    let bestTrib = Number.POSITIVE_INFINITY;
    let bestHand = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['trib', 'hand'] as const) : (['hand', 'trib'] as const);
      for (const which of order) {
        const out = join(work, `out-${c.name.replace('→', '-')}-${which}-${round}`);
        const ms = which === 'trib' ? await tributary(c, out) : await handWritten(c, out);
        if (which === 'trib') bestTrib = Math.min(bestTrib, ms);
        else bestHand = Math.min(bestHand, ms);
        await rm(out, { recursive: true, force: true });
      }
    }
    const mb = c.bytes / 1e6;
    const row = {
      records: RECORDS,
      inputMB: Number(mb.toFixed(2)),
      tributaryRecordsPerSec: Math.round((RECORDS * 1000) / bestTrib),
      tributaryMBPerSec: Number(((mb * 1000) / bestTrib).toFixed(2)),
      handRecordsPerSec: Math.round((RECORDS * 1000) / bestHand),
      handMBPerSec: Number(((mb * 1000) / bestHand).toFixed(2)),
      ratio: Number((bestHand / bestTrib).toFixed(3)),
    };
    results[c.name] = row;
    console.log(
      `${c.name.padEnd(12)} tributary ${row.tributaryRecordsPerSec.toLocaleString('en-US')} rec/s ` +
        `(${row.tributaryMBPerSec} MB/s)  hand-written ${row.handRecordsPerSec.toLocaleString('en-US')} rec/s ` +
        `(${row.handMBPerSec} MB/s)  ratio ${row.ratio} (target ≥ 0.85)`,
    );
  }
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'files-formats', rounds: ROUNDS, results })}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
