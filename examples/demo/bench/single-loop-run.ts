/**
 * One run of the workers bench's job on the single event loop (`workers: 1`), in this process,
 * for profiling (`--cpu-prof`, `--trace-gc`, SAMPLE_HEAP=1 for the sampling heap profiler).
 * Env: BENCH_RECORDS, BENCH_PIPELINE (csv→parquet), PARALLELISM (1), RUNS (1), BENCH_READ_CHUNK_KB.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJob, MetricRegistry, silentLogger } from '@tributary/core';
import { DEFAULT_DATASET, ensureDataset } from '../src/demo-dataset.js';
import { readThreadCpu, splitCpu } from './thread-cpu.js';
import type { WorkersBenchParams } from './workers-bench-job.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const PARALLELISM = Number(process.env.PARALLELISM ?? 1);
const RUNS = Number(process.env.RUNS ?? 1);
const READ_CHUNK_BYTES =
  process.env.BENCH_READ_CHUNK_KB === undefined ? undefined : Number(process.env.BENCH_READ_CHUNK_KB) * 1024;
const dataDir = process.env.DATA_DIR ?? join(tmpdir(), `trib-single-loop-${RECORDS}`);
await ensureDataset(dataDir, { ...DEFAULT_DATASET, records: RECORDS, badRatio: 0 });
const work = await mkdtemp(join(tmpdir(), 'trib-single-loop-out-'));
const session = process.env.SAMPLE_HEAP === '1' ? new Session() : undefined;
for (let run = 0; run < RUNS; run++) {
  if (session && run === RUNS - 1) {
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const job = await loadJob<WorkersBenchParams>(new URL('./workers-bench-job.ts', import.meta.url), {
    pipeline: 'csv→parquet',
    input: dataDir,
    output: join(work, `out${run}`, 'data'),
    readChunkBytes: READ_CHUNK_BYTES,
  });
  const metrics = new MetricRegistry();
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const threads0 = readThreadCpu();
  const client = job.start(
    {
      parallelism: PARALLELISM,
      workers: 1,
      checkpointing: { intervalMs: 1000, directory: join(work, `chk${run}`) },
    },
    { logger: silentLogger, metricRegistry: metrics },
  );
  await client.result;
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const threads1 = readThreadCpu();
  const split =
    threads0 && threads1 ? splitCpu(threads0, threads1, (cpu.user + cpu.system) / 1000) : undefined;
  const written = metrics.sum('numRecordsSend');
  process.stdout.write(
    `run ${run}: ${written} records in ${ms.toFixed(0)} ms = ${Math.round((written * 1000) / ms)} records/s, cpu ${((cpu.user + cpu.system) / 1000 / ms).toFixed(2)} cores, ${((cpu.user + cpu.system) / written).toFixed(2)} CPU ms per 1000 records${split ? ` (main ${(split.main / (written / 1000)).toFixed(2)}, helpers ${(split.helpers / (written / 1000)).toFixed(2)})` : ''}\n`,
  );
}
if (session) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  await writeFile(process.env.HEAP_OUT ?? '/tmp/csvg/heap.heapprofile', JSON.stringify(profile));
}
await rm(work, { recursive: true, force: true });
