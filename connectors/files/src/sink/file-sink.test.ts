import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CommitterInitContext,
  type CommittingSinkWriter,
  MetricRegistry,
  Pipeline,
  type SinkWriter,
  silentLogger,
  type WriterInitContext,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../source/file-source.js';
import { bulkFixture, jsonLinesFixture } from '../testing-fixtures/json-lines-fixture.js';
import { sequenceSource } from '../testing-fixtures/sequence-source.js';
import {
  hiddenPartFiles,
  isVisible,
  listTree,
  readVisibleJsonLines,
} from '../testing-fixtures/sink-harness.js';
import { BucketAssigners } from './bucket-assigners.js';
import type { FileCommittable } from './file-committable.js';
import { FileSink } from './file-sink.js';
import type { FileSinkWriter } from './file-sink-writer.js';
import { jobTagOf, parseHiddenPartName } from './part-file-naming.js';

const env = { logger: silentLogger };
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const tempDir = (name: string) => mkdtemp(join(tmpdir(), `trib-files-${name}-`));

describe('FileSink in a job', () => {
  it('writes a bounded job exactly once into buckets and leaves no hidden part files', async () => {
    const dir = await tempDir('bounded');
    const registry = new MetricRegistry();
    const sink = FileSink.forFormat(join(dir, 'out'), jsonLinesFixture<{ n: number; even: boolean }>(), {
      bucketAssigner: BucketAssigners.hive(['even']),
    });
    const result = await Pipeline.from(sequenceSource({ total: 5000, numSplits: 5 }))
      .map((n) => ({ n, even: n % 2 === 0 }))
      .sinkTo(sink)
      .execute({ parallelism: 2 }, { ...env, metricRegistry: registry });
    expect(result.status).toBe('finished');
    const records = await readVisibleJsonLines<{ n: number; even: boolean }>(join(dir, 'out'));
    expect(sorted(records.map((r) => r.n))).toEqual(range(5000));
    const files = await listTree(join(dir, 'out'));
    expect(await hiddenPartFiles(join(dir, 'out'))).toEqual([]);
    expect(files.every((f) => /^even=(true|false)\/part-[0-9a-f]{12}-[01]-\d+\.jsonl$/.test(f))).toBe(true);
    for (const f of files) {
      const even = f.startsWith('even=true');
      const text = await readFile(join(dir, 'out', f), 'utf8');
      expect(
        text
          .split('\n')
          .filter(Boolean)
          .every((l) => (JSON.parse(l).n % 2 === 0) === even),
      ).toBe(true);
    }
    expect(registry.sum('numRecordsSend')).toBe(5000);
    const bytes = (await Promise.all(files.map((f) => readFile(join(dir, 'out', f))))).reduce(
      (s, b) => s + b.length,
      0,
    );
    expect(registry.sum('numBytesSend')).toBe(bytes);
  });

  it('delivers every record exactly once across an injected failure and restart', async () => {
    const dir = await tempDir('failure');
    let failed = false;
    const sink = FileSink.forFormat(join(dir, 'out'), jsonLinesFixture<number>(), {
      bucketAssigner: BucketAssigners.custom((n: number) => `b${n % 3}`),
    });
    const result = await Pipeline.from(
      sequenceSource({ total: 3000, numSplits: 4, batchSize: 10, pauseMs: 1 }),
    )
      .map((v) => {
        if (v === 1777 && !failed) {
          failed = true;
          throw new Error('injected failure');
        }
        return v;
      })
      .sinkTo(sink)
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 20, directory: join(dir, 'chk') },
          restartStrategy: { type: 'fixed-delay', attempts: 3, delayMs: 10 },
        },
        env,
      );
    expect(failed).toBe(true);
    expect(result.restarts).toBe(1);
    expect(result.completedCheckpoints).toBeGreaterThan(1);
    const values = await readVisibleJsonLines<number>(join(dir, 'out'));
    expect(values.length).toBe(3000);
    expect(sorted(values)).toEqual(range(3000));
    // The failed attempt's in-progress and pending files were cleaned up by the restarted writers.
    expect(await hiddenPartFiles(join(dir, 'out'))).toEqual([]);
  });

  it('deletes the pending files of a checkpoint that failed, when the job restarts', async () => {
    const dir = await tempDir('orphans');
    const out = join(dir, 'out');
    const inner = FileSink.forFormat(out, jsonLinesFixture<number>(), {
      bucketAssigner: BucketAssigners.basePath(),
    });
    let prepares = 0;
    let orphaned: string[] = [];
    // Fails one checkpoint after the writer turned its files into pending files (a crash at that point).
    const wrap = (
      writer: FileSinkWriter<number>,
    ): SinkWriter<number> & CommittingSinkWriter<number, FileCommittable> => ({
      write: (batch, ctx) => writer.write(batch, ctx),
      flush: (end) => writer.flush(end),
      close: () => writer.close(),
      prepareCommit: async () => {
        const committables = await writer.prepareCommit();
        if (++prepares === 4 && committables.length > 0) {
          orphaned = await hiddenPartFiles(out);
          throw new Error('injected checkpoint failure');
        }
        return committables;
      },
    });
    const sink = {
      committableSerializer: inner.committableSerializer,
      createCommitter: (ctx: CommitterInitContext) => inner.createCommitter(ctx),
      createWriter: async (ctx: WriterInitContext) => wrap(await inner.createWriter(ctx)),
    };
    const result = await Pipeline.from(
      sequenceSource({ total: 2000, numSplits: 2, batchSize: 10, pauseMs: 1 }),
    )
      .sinkTo(sink)
      .execute(
        {
          checkpointing: { intervalMs: 15 },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 1 },
        },
        env,
      );
    expect(result.restarts).toBe(1);
    expect(orphaned.length).toBeGreaterThan(0);
    expect(orphaned.every((p) => p.endsWith('.pending'))).toBe(true);
    expect(await hiddenPartFiles(out)).toEqual([]);
    expect(sorted(await readVisibleJsonLines<number>(out))).toEqual(range(2000));
  });

  it('re-running a finished job from its checkpoint directory writes nothing twice', async () => {
    const dir = await tempDir('rerun');
    const job = Pipeline.from(sequenceSource({ total: 400, numSplits: 2 })).sinkTo(
      FileSink.forFormat(join(dir, 'out'), jsonLinesFixture<number>(), {
        bucketAssigner: BucketAssigners.basePath(),
      }),
    );
    await job.execute({ checkpointing: { directory: join(dir, 'chk') } }, env);
    const before = await listTree(join(dir, 'out'));
    const again = await job.execute({ checkpointing: { directory: join(dir, 'chk') } }, env);
    expect(again.restoredFromCheckpointId).toBeDefined();
    expect(await listTree(join(dir, 'out'))).toEqual(before);
    expect(sorted(await readVisibleJsonLines<number>(join(dir, 'out')))).toEqual(range(400));
  });

  it('stops with a savepoint mid-stream and resumes at another parallelism exactly once', async () => {
    const dir = await tempDir('savepoint');
    const out = join(dir, 'out');
    const job = Pipeline.from(
      sequenceSource({ total: 3000, numSplits: 6, batchSize: 20, pauseMs: 2 }),
    ).sinkTo(
      FileSink.forFormat(out, jsonLinesFixture<number>(), {
        bucketAssigner: BucketAssigners.custom((n: number) => `m${n % 4}`),
      }),
    );
    const first = job.start({ parallelism: 3, checkpointing: { intervalMs: 25 } }, env);
    const deadline = Date.now() + 10_000;
    while ((await readVisibleJsonLines(out)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const savepoint = await first.stopWithSavepoint({ directory: join(dir, 'sp') });
    const stopped = await first.result;
    expect(stopped.status).toBe('stopped');
    expect((await readVisibleJsonLines(out)).length).toBeLessThan(3000);
    const resumed = await job.execute(
      {
        parallelism: 2,
        restoreFrom: savepoint,
        checkpointing: { intervalMs: 25, directory: join(dir, 'chk') },
      },
      env,
    );
    expect(resumed.status).toBe('finished');
    expect(sorted(await readVisibleJsonLines<number>(out))).toEqual(range(3000));
    // The resumed job (another checkpoint directory, so another job id) left nothing behind. The
    // stopped job may have left hidden files of a checkpoint the runtime started after the savepoint;
    // they belong to another job, so the resumed job must not (and does not) touch them.
    const owners = (await hiddenPartFiles(out)).map(
      (p) => parseHiddenPartName(p.split('/').pop() as string)?.jobTag,
    );
    expect(owners.filter((tag) => tag !== jobTagOf(stopped.jobId))).toEqual([]);
  });

  it('writes _SUCCESS into every bucket once all subtasks reached the end of input', async () => {
    const dir = await tempDir('success');
    const out = join(dir, 'out');
    await Pipeline.from(sequenceSource({ total: 900, numSplits: 3 }))
      .map((n) => ({ n, k: n % 3 }))
      .sinkTo(
        FileSink.forFormat(out, jsonLinesFixture<{ n: number; k: number }>(), {
          bucketAssigner: BucketAssigners.hive(['k']),
          successMarker: { enabled: true },
        }),
      )
      .execute({ parallelism: 3, checkpointing: { intervalMs: 20 } }, env);
    const files = await listTree(out);
    expect(files.filter((f) => f.endsWith('/_SUCCESS')).sort()).toEqual([
      'k=0/_SUCCESS',
      'k=1/_SUCCESS',
      'k=2/_SUCCESS',
    ]);
    expect(files.filter((f) => isVisible(f)).length).toBeGreaterThanOrEqual(3);
    expect((await readVisibleJsonLines(out)).length).toBe(900);
  });

  it('marks processing-time buckets complete while an unbounded job keeps running', async () => {
    const dir = await tempDir('time-marker');
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'a.jsonl'), `${range(100).join('\n')}\n`);
    const out = join(dir, 'out');
    const client = Pipeline.from(
      FileSource.forFormat(jsonLinesFixture<number>(), join(dir, 'in'), { monitorIntervalMs: 20 }),
    )
      .sinkTo(
        FileSink.forFormat(out, jsonLinesFixture<number>(), {
          bucketAssigner: BucketAssigners.dateTime({ pattern: 'yyyy-MM-dd--HH-mm-ss' }),
          successMarker: { enabled: true },
        }),
      )
      .start({ parallelism: 2, checkpointing: { intervalMs: 20 } }, env);
    const buckets = async () => {
      const files = await listTree(out);
      const marked = files.filter((f) => f.endsWith('/_SUCCESS')).map((f) => f.split('/')[0]);
      const withData = [...new Set(files.filter(isVisible).map((f) => f.split('/')[0]))];
      return { marked, withData };
    };
    const deadline = Date.now() + 10_000;
    for (;;) {
      const complete = (await readVisibleJsonLines(out)).length === 100;
      const { marked, withData } = await buckets();
      const allMarked = withData.length > 0 && withData.every((b) => marked.includes(b));
      if ((complete && allMarked) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await client.cancel();
    // Every bucket holding data was marked complete, while the job was still running.
    const { marked, withData } = await buckets();
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.sort()).toEqual(withData.sort());
    expect(sorted(await readVisibleJsonLines<number>(out))).toEqual(range(100));
  });

  it('rolls bulk-format files at every checkpoint and reads them back whole', async () => {
    const dir = await tempDir('bulk');
    const out = join(dir, 'out');
    const result = await Pipeline.from(
      sequenceSource({ total: 600, numSplits: 2, batchSize: 10, pauseMs: 2 }),
    )
      .sinkTo(FileSink.forFormat(out, bulkFixture<number>(), { bucketAssigner: BucketAssigners.basePath() }))
      .execute({ parallelism: 1, checkpointing: { intervalMs: 20 } }, env);
    const files = (await listTree(out)).filter(isVisible);
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(result.completedCheckpoints);
    const values: number[] = [];
    for (const f of files) {
      const doc = JSON.parse(await readFile(join(out, f), 'utf8')) as { count: number; records: number[] };
      expect(doc.records.length).toBe(doc.count);
      values.push(...doc.records);
    }
    expect(sorted(values)).toEqual(range(600));
  });

  it('at-least-once publishes directly at checkpoints and still delivers everything', async () => {
    const dir = await tempDir('alo');
    const out = join(dir, 'out');
    await Pipeline.from(sequenceSource({ total: 1000, numSplits: 2, batchSize: 20, pauseMs: 1 }))
      .sinkTo(
        FileSink.forFormat(out, jsonLinesFixture<number>(), {
          deliveryGuarantee: 'at-least-once',
          bucketAssigner: BucketAssigners.basePath(),
        }),
      )
      .execute({ parallelism: 2, checkpointing: { intervalMs: 20 } }, env);
    expect(sorted(await readVisibleJsonLines<number>(out))).toEqual(range(1000));
    expect(await hiddenPartFiles(out)).toEqual([]);
  });
});
