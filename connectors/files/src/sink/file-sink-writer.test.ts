import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@tributary/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FilesErrorCodes } from '../files-error-codes.js';
import { jsonLinesFixture } from '../testing-fixtures/json-lines-fixture.js';
import {
  hiddenPartFiles,
  isVisible,
  listTree,
  writeContext,
  writerInitContext,
} from '../testing-fixtures/sink-harness.js';
import { BucketAssigners } from './bucket-assigners.js';
import type { FileCommittable } from './file-committable.js';
import { FileSink } from './file-sink.js';
import type { FileSinkConfig } from './file-sink-options.js';
import type { FileSinkWriter } from './file-sink-writer.js';
import { parseHiddenPartName } from './part-file-naming.js';

type Rec = { id: number; b: string };
const tempDir = () => mkdtemp(join(tmpdir(), 'trib-files-writer-'));
const recs = (from: number, n: number, b = 'x'): Rec[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, b }));
const files = (cs: FileCommittable[]) => cs.filter((c) => c.kind === 'file');

async function open(dir: string, config: FileSinkConfig<Rec> = {}, ctx = writerInitContext()) {
  const sink = FileSink.forFormat(dir, jsonLinesFixture<Rec>(), {
    bucketAssigner: BucketAssigners.field('b'),
    ...config,
  });
  return { sink, writer: (await sink.createWriter(ctx)) as FileSinkWriter<Rec>, ctx };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('FileSinkWriter rolling', () => {
  it('rolls on every checkpoint: prepareCommit turns each open file into one pending committable', async () => {
    const dir = await tempDir();
    const { writer } = await open(dir);
    await writer.write([...recs(0, 3, 'a'), ...recs(3, 2, 'b')], writeContext());
    const committed = files(await writer.prepareCommit());
    expect(committed.map((c) => c.kind === 'file' && c.bucketId).sort()).toEqual(['a', 'b']);
    expect(await hiddenPartFiles(dir)).toEqual(
      committed.map((c) => c.kind === 'file' && `${c.bucketId}/${c.pendingName}`).sort(),
    );
    expect(await writer.prepareCommit()).toEqual([]);
    await writer.write(recs(5, 1, 'a'), writeContext());
    expect(files(await writer.prepareCommit())).toHaveLength(1);
    await writer.close();
  });

  it('rolls by size after a batch reaches maxPartSizeBytes', async () => {
    const dir = await tempDir();
    const { writer } = await open(dir, { maxPartSizeBytes: 100 });
    for (let i = 0; i < 10; i++) await writer.write(recs(i * 2, 2, 'a'), writeContext());
    const committed = files(await writer.prepareCommit());
    expect(committed.length).toBeGreaterThanOrEqual(4);
    for (const c of committed) if (c.kind === 'file') expect(c.sizeBytes).toBeLessThan(100 + 40);
    await writer.close();
  });

  it('rolls by open time (rolloverIntervalMs) and by inactivity (inactivityIntervalMs)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const dir = await tempDir();
    const { writer } = await open(dir, { rolloverIntervalMs: 10_000, inactivityIntervalMs: 3_000 });
    await writer.write(recs(0, 1, 'a'), writeContext());
    await writer.write(recs(1, 1, 'b'), writeContext());
    // 'a' keeps writing, 'b' goes quiet: after 3 s 'b' is inactive and rolled by the scan.
    for (let t = 1; t <= 4; t++) {
      vi.setSystemTime(1_000_000 + t * 1_000);
      await writer.write(recs(10 + t, 1, 'a'), writeContext());
    }
    const visible = async () => (await listTree(dir)).filter((p) => p.endsWith('.pending'));
    expect((await visible()).filter((p) => p.startsWith('b/'))).toHaveLength(1);
    expect((await visible()).filter((p) => p.startsWith('a/'))).toHaveLength(0);
    // 'a' has been open for 10 s: the next write rolls it first.
    vi.setSystemTime(1_000_000 + 10_000);
    await writer.write(recs(20, 1, 'a'), writeContext());
    expect((await visible()).filter((p) => p.startsWith('a/'))).toHaveLength(1);
    const committed = files(await writer.prepareCommit());
    expect(committed.map((c) => c.kind === 'file' && c.bucketId).sort()).toEqual(['a', 'a', 'b']);
    await writer.close();
  });

  it('counts numRecordsSend and numBytesSend', async () => {
    const dir = await tempDir();
    const { writer, ctx } = await open(dir);
    await writer.write(recs(0, 7), writeContext());
    const [c] = files(await writer.prepareCommit());
    expect(ctx.registry.sum('numRecordsSend')).toBe(7);
    expect(c?.kind === 'file' && c.sizeBytes).toBe(ctx.registry.sum('numBytesSend'));
    await writer.close();
  });
});

describe('FileSinkWriter delivery guarantees', () => {
  it('at-least-once publishes final files on flush and has nothing to commit', async () => {
    const dir = await tempDir();
    const { writer } = await open(dir, { deliveryGuarantee: 'at-least-once' });
    await writer.write(recs(0, 3, 'a'), writeContext());
    await writer.flush(false);
    expect(await writer.prepareCommit()).toEqual([]);
    const tree = await listTree(dir);
    expect(tree.filter(isVisible)).toHaveLength(1);
    expect(await hiddenPartFiles(dir)).toEqual([]);
    await writer.close();
  });

  it('none publishes only when files roll or the input ends', async () => {
    const dir = await tempDir();
    const { writer } = await open(dir, { deliveryGuarantee: 'none' });
    await writer.write(recs(0, 3, 'a'), writeContext());
    await writer.flush(false);
    expect((await listTree(dir)).filter(isVisible)).toEqual([]);
    await writer.flush(true);
    const visible = (await listTree(dir)).filter(isVisible);
    expect(visible).toHaveLength(1);
    expect((await readFile(join(dir, visible[0] as string), 'utf8')).trim().split('\n')).toHaveLength(3);
    await writer.close();
  });
});

describe('FileSinkWriter recovery', () => {
  it("deletes this job's orphans of the same subtask, and nothing else", async () => {
    const dir = await tempDir();
    const crashed = await open(dir, {}, writerInitContext({ jobId: 'job-A', subtaskId: 1, parallelism: 2 }));
    await crashed.writer.write(recs(0, 2, 'a'), writeContext());
    await crashed.writer.prepareCommit(); // pending files of a checkpoint that never completed
    await crashed.writer.write(recs(2, 2, 'a'), writeContext()); // in-progress file; the process "dies" here
    const otherSubtask = await open(
      dir,
      {},
      writerInitContext({ jobId: 'job-A', subtaskId: 0, parallelism: 2 }),
    );
    await otherSubtask.writer.write(recs(0, 1, 'a'), writeContext());
    const otherJob = await open(dir, {}, writerInitContext({ jobId: 'job-B', subtaskId: 1, parallelism: 2 }));
    await otherJob.writer.write(recs(0, 1, 'a'), writeContext());
    const before = await hiddenPartFiles(dir);
    expect(before).toHaveLength(4);

    await open(
      dir,
      {},
      writerInitContext({ jobId: 'job-A', subtaskId: 1, parallelism: 2, attemptNumber: 1 }),
    );
    const after = await hiddenPartFiles(dir);
    const owners = after.map((p) => parseHiddenPartName(p.split('/').pop() as string));
    expect(owners.map((o) => `${o?.jobTag}:${o?.subtask}`).sort()).toEqual(['jobA:0', 'jobB:1']);
  });

  it('subtask 0 also cleans the orphans of subtasks that no longer exist after a scale-down', async () => {
    const dir = await tempDir();
    const old = await open(dir, {}, writerInitContext({ jobId: 'job-A', subtaskId: 3, parallelism: 4 }));
    await old.writer.write(recs(0, 2, 'a'), writeContext());
    expect(await hiddenPartFiles(dir)).toHaveLength(1);
    await open(dir, {}, writerInitContext({ jobId: 'job-A', subtaskId: 1, parallelism: 2 }));
    expect(await hiddenPartFiles(dir)).toHaveLength(1);
    await open(dir, {}, writerInitContext({ jobId: 'job-A', subtaskId: 0, parallelism: 2 }));
    expect(await hiddenPartFiles(dir)).toEqual([]);
  });

  it('close() removes its own in-progress files but keeps pending ones for the committer', async () => {
    const dir = await tempDir();
    const { writer } = await open(dir);
    await writer.write(recs(0, 2, 'a'), writeContext());
    await writer.prepareCommit();
    await writer.write(recs(2, 2, 'a'), writeContext());
    await writer.close();
    await writer.close();
    const hidden = await hiddenPartFiles(dir);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatch(/\.pending$/);
  });

  it('rejects bucket ids that escape the base path or would be hidden', async () => {
    const dir = await tempDir();
    for (const bad of ['../x', 'a//b', '.hidden', 'a/_tmp', 'a/./b']) {
      const sink = FileSink.forFormat(dir, jsonLinesFixture<Rec>(), {
        bucketAssigner: BucketAssigners.custom(() => bad),
      });
      const writer = await sink.createWriter(writerInitContext());
      await expect(writer.write(recs(0, 1), writeContext())).rejects.toSatisfy((e: unknown) =>
        hasErrorCode(e, FilesErrorCodes.INVALID_BUCKET_ID),
      );
      await writer.close();
    }
  });
});

describe('FileSinkWriter batches', () => {
  /** The fixture format, remembering every array its writers were given. */
  function recordingFormat() {
    const format = jsonLinesFixture<Rec>();
    const given: (readonly Rec[])[] = [];
    const recording: typeof format = {
      ...format,
      createWriter(output) {
        const writer = format.createWriter(output);
        return {
          writeBatch: (records) => {
            given.push(records);
            return writer.writeBatch(records);
          },
          flush: () => writer.flush(),
          finish: () => writer.finish(),
        };
      },
    };
    return { format: recording, given };
  }

  it('hands a batch for one bucket to the format as it is, and splits one that spans buckets in order', async () => {
    const dir = await tempDir();
    const { format, given } = recordingFormat();
    const sink = FileSink.forFormat(dir, format, { bucketAssigner: BucketAssigners.field('b') });
    const writer = (await sink.createWriter(writerInitContext())) as FileSinkWriter<Rec>;
    const oneBucket = recs(0, 3, 'a');
    await writer.write(oneBucket, writeContext());
    // No copy per batch: the format gets the batch itself.
    expect(given[0]).toBe(oneBucket);
    const mixed = [...recs(3, 2, 'a'), ...recs(5, 1, 'b'), ...recs(6, 1, 'a'), ...recs(7, 1, 'c')];
    await writer.write(mixed, writeContext());
    expect(given.slice(1).map((records) => records.map((r) => r.id))).toEqual([[3, 4, 6], [5], [7]]);
    await writer.write([], writeContext());
    expect(given).toHaveLength(4);
    await writer.close();
  });
});
