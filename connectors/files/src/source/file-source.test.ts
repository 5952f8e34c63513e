import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CollectSink,
  deserializeVersioned,
  loadCheckpointDir,
  MetricRegistry,
  Pipeline,
  silentLogger,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { BucketAssigners } from '../sink/bucket-assigners.js';
import { FileSink } from '../sink/file-sink.js';
import { jsonLinesFixture } from '../testing-fixtures/json-lines-fixture.js';
import { hiddenPartFiles, readVisibleJsonLines } from '../testing-fixtures/sink-harness.js';
import { slowSink } from '../testing-fixtures/slow-sink.js';
import { zstdRawFrame } from '../testing-fixtures/zstd-frame.js';
import type { FileRecord } from './file-record-emitter.js';
import { FileSource } from './file-source.js';
import { fileSourceSplitSerializer } from './file-source-split.js';

const env = { logger: silentLogger };
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const jsonl = (values: readonly number[]) => values.map((v) => `${v}\n`).join('');
const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const tempDir = (name: string) => mkdtemp(join(tmpdir(), `trib-files-src-${name}-`));

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FileSource in a job', () => {
  it('reads a directory in parallel regions exactly once, with numBytesIn and skipped-record errors', async () => {
    const dir = await tempDir('regions');
    await mkdir(join(dir, 'in', 'sub'), { recursive: true });
    await writeFile(join(dir, 'in', 'a.json'), jsonl(range(0, 3000)));
    await writeFile(join(dir, 'in', 'sub', 'b.json'), `${jsonl(range(3000, 1000))}BAD\n`);
    await writeFile(join(dir, 'in', '_ignored.json'), jsonl([-1]));
    using out = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
    const registry = new MetricRegistry();
    const source = FileSource.forFormat(jsonLinesFixture<number>(), join(dir, 'in'), {
      regionSizeBytes: 1000,
      readChunkBytes: 1024,
    });
    await Pipeline.from(source)
      .sinkTo(out.sink)
      .execute({ parallelism: 3 }, { ...env, metricRegistry: registry });
    expect(sorted(out.results())).toEqual(range(0, 4000));
    const bytes = Buffer.byteLength(jsonl(range(0, 4000))) + 4;
    expect(registry.sum('numBytesIn')).toBe(bytes);
    expect(registry.sum('numRecordsInErrors')).toBe(1);
    expect(registry.sum('numRecordsIn')).toBe(4000);
  });

  it('reads gzip and zstd files by extension', async () => {
    const dir = await tempDir('compressed');
    await writeFile(join(dir, 'a.json.gz'), gzipSync(jsonl(range(0, 500))));
    await writeFile(join(dir, 'b.json.zst'), zstdRawFrame(Buffer.from(jsonl(range(500, 500))), 1000));
    await writeFile(join(dir, 'c.json'), jsonl(range(1000, 500)));
    using out = CollectSink.create<number>();
    await Pipeline.from(FileSource.forFormat(jsonLinesFixture<number>(), dir, { regionSizeBytes: 100 }))
      .sinkTo(out.sink)
      .execute({ parallelism: 2 }, env);
    expect(sorted(out.results())).toEqual(range(0, 1500));
  });

  it('wraps records with file metadata', async () => {
    const dir = await tempDir('meta');
    await writeFile(join(dir, 'a.json'), jsonl([10, 20, 30]));
    using out = CollectSink.create<FileRecord<number>>();
    await Pipeline.from(FileSource.forFormat(jsonLinesFixture<number>(), dir, { withMetadata: true }))
      .sinkTo(out.sink)
      .execute({}, env);
    const records = out.results();
    expect(records.map((r) => [r.value, r.line, r.position.offset])).toEqual([
      [10, 1, 3],
      [20, 2, 6],
      [30, 3, 9],
    ]);
    expect(records[0]?.path).toBe(join(dir, 'a.json'));
    expect(records[0]?.size).toBe(9);
    expect(records[0]?.modificationTime).toBeGreaterThan(0);
  });

  it('stops with a savepoint in the middle of a file and resumes exactly there', async () => {
    const dir = await tempDir('resume');
    await writeFile(join(dir, 'big.json'), jsonl(range(0, 20_000)));
    using out = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
    const job = Pipeline.from(
      FileSource.forFormat(jsonLinesFixture<number>(), join(dir, 'big.json'), { readChunkBytes: 1024 }),
    ).sinkTo(slowSink(out.sink, 1));
    const first = job.start({ checkpointing: { intervalMs: 20 } }, env);
    await until(() => out.results().length > 1000, 'some committed records');
    const savepoint = await first.stopWithSavepoint({ directory: join(dir, 'sp') });
    const committed = out.results().length;
    expect(committed).toBeLessThan(20_000);
    // The savepoint holds the split with a position inside the file.
    const data = await loadCheckpointDir(savepoint);
    const splits = data.subtasks.flatMap((s) => s.splits);
    expect(splits).toHaveLength(1);
    const split = deserializeVersioned(fileSourceSplitSerializer, {
      version: splits[0]?.v as number,
      bytes: Buffer.from(splits[0]?.b64 as string, 'base64'),
    });
    expect(split.position?.offset).toBe(Buffer.byteLength(jsonl(range(0, committed))));

    await job.execute({ restoreFrom: savepoint, checkpointing: { directory: join(dir, 'chk') } }, env);
    expect(out.results()).toEqual(range(0, 20_000));
  });

  it('emits a read chunk over several polls, so a savepoint lands inside the chunk and resumes exactly there', async () => {
    const dir = await tempDir('resume-mid-chunk');
    const content = jsonl(range(0, 20_000));
    await writeFile(join(dir, 'big.json'), content);
    // The whole file is one chunk; only maxRecordsPerPoll keeps a poll (and the batch between two
    // checkpoints) small.
    const chunkBytes = 1024 * 1024;
    expect(Buffer.byteLength(content)).toBeLessThan(chunkBytes);
    using out = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
    const job = Pipeline.from(
      FileSource.forFormat(jsonLinesFixture<number>(), join(dir, 'big.json'), {
        readChunkBytes: chunkBytes,
        maxRecordsPerPoll: 50,
      }),
    ).sinkTo(slowSink(out.sink, 1));
    const first = job.start({ checkpointing: { intervalMs: 20 } }, env);
    await until(() => out.results().length > 1000, 'some committed records');
    const savepoint = await first.stopWithSavepoint({ directory: join(dir, 'sp') });
    const committed = out.results().length;
    expect(committed).toBeLessThan(20_000);
    expect(out.results()).toEqual(range(0, committed));
    const data = await loadCheckpointDir(savepoint);
    const splits = data.subtasks.flatMap((s) => s.splits);
    expect(splits).toHaveLength(1);
    const split = deserializeVersioned(fileSourceSplitSerializer, {
      version: splits[0]?.v as number,
      bytes: Buffer.from(splits[0]?.b64 as string, 'base64'),
    });
    expect(split.position?.offset).toBe(Buffer.byteLength(jsonl(range(0, committed))));

    await job.execute({ restoreFrom: savepoint, checkpointing: { directory: join(dir, 'chk') } }, env);
    expect(out.results()).toEqual(range(0, 20_000));
  });

  it('continuous monitoring picks up new files, end to end into a FileSink exactly once', async () => {
    const dir = await tempDir('monitor');
    const input = join(dir, 'in');
    await mkdir(input);
    await writeFile(join(input, 'first.json'), jsonl(range(0, 100)));
    const output = join(dir, 'out');
    const job = Pipeline.from(
      FileSource.forFormat(jsonLinesFixture<number>(), input, {
        monitorIntervalMs: 20,
        includeGlobs: ['*.json'],
      }),
    ).sinkTo(
      FileSink.forFormat(output, jsonLinesFixture<number>(), { bucketAssigner: BucketAssigners.basePath() }),
    );
    const client = job.start({ parallelism: 2, checkpointing: { intervalMs: 20 } }, env);
    await until(async () => (await readVisibleJsonLines(output)).length === 100, 'the first file');
    // Publish the next files atomically (write hidden, then rename), as producers should.
    await writeFile(join(input, '.second.json.tmp'), jsonl(range(100, 50)));
    await rename(join(input, '.second.json.tmp'), join(input, 'second.json'));
    await writeFile(join(input, 'ignored.txt'), '999\n');
    await until(async () => (await readVisibleJsonLines(output)).length === 150, 'the second file');
    await client.cancel();
    expect(sorted(await readVisibleJsonLines<number>(output))).toEqual(range(0, 150));
    expect(await hiddenPartFiles(output)).toEqual([]);
  });
});
