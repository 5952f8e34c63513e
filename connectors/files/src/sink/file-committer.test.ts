import { link, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { FilesErrorCodes } from '../files-error-codes.js';
import { bulkFixture, jsonLinesFixture } from '../testing-fixtures/json-lines-fixture.js';
import {
  commitRequest,
  committerInitContext,
  hiddenPartFiles,
  isVisible,
  listTree,
  readVisibleJsonLines,
  writeContext,
  writerInitContext,
} from '../testing-fixtures/sink-harness.js';
import { BucketAssigners } from './bucket-assigners.js';
import type { FileCommittable } from './file-committable.js';
import { FileSink } from './file-sink.js';
import type { FileSinkConfig } from './file-sink-options.js';

type Rec = { id: number; b: string };
const tempDir = () => mkdtemp(join(tmpdir(), 'trib-files-commit-'));
const recs = (from: number, n: number, b = 'a'): Rec[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, b }));

/** Writes `batches` with one writer, one checkpoint per batch; returns the sink and all committables. */
async function produce(
  dir: string,
  batches: Rec[][],
  config: FileSinkConfig<Rec> = {},
  subtaskId = 0,
  parallelism = 1,
) {
  const sink = FileSink.forFormat(
    dir,
    config.compactionFormat ? bulkFixture<Rec>() : jsonLinesFixture<Rec>(),
    {
      bucketAssigner: BucketAssigners.field('b'),
      ...config,
    },
  );
  const writer = await sink.createWriter(writerInitContext({ subtaskId, parallelism }));
  const committables: FileCommittable[] = [];
  for (const batch of batches) {
    await writer.write(batch, writeContext());
    committables.push(...(await writer.prepareCommit()));
  }
  await writer.flush(true);
  committables.push(...(await writer.prepareCommit()));
  await writer.close();
  return { sink, committables };
}

describe('FileCommitter', () => {
  it('publishes pending files and is idempotent when the same committables are committed again', async () => {
    const dir = await tempDir();
    const { sink, committables } = await produce(dir, [recs(0, 3), recs(3, 3)]);
    const committer = sink.createCommitter(committerInitContext());
    const first = committables.map(commitRequest);
    await committer.commit(first);
    expect(first.map((r) => r.outcome)).toEqual(['success', 'success']);
    const tree = await listTree(dir);
    expect(await hiddenPartFiles(dir)).toEqual([]);
    const again = committables.map(commitRequest);
    await committer.commit(again);
    expect(again.map((r) => r.outcome)).toEqual(['already', 'already']);
    expect(await listTree(dir)).toEqual(tree);
    expect((await readVisibleJsonLines<Rec>(dir)).map((r) => r.id).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await committer.close();
  });

  it('finishes a commit interrupted between link and unlink', async () => {
    const dir = await tempDir();
    const { sink, committables } = await produce(dir, [recs(0, 2)]);
    const c = committables[0];
    if (c?.kind !== 'file') throw new Error('expected a file committable');
    // Crash after the hard link: both names exist.
    await link(join(dir, 'a', c.pendingName), join(dir, 'a', c.finalName));
    const request = commitRequest(c);
    await sink.createCommitter(committerInitContext()).commit([request]);
    expect(request.outcome).toBe('already');
    expect(await hiddenPartFiles(dir)).toEqual([]);
    expect((await readVisibleJsonLines<Rec>(dir)).map((r) => r.id)).toEqual([0, 1]);
  });

  it('never overwrites a file that already has the final name', async () => {
    const dir = await tempDir();
    const { sink, committables } = await produce(dir, [recs(0, 2)]);
    const c = committables[0];
    if (c?.kind !== 'file') throw new Error('expected a file committable');
    await writeFile(join(dir, 'a', c.finalName), 'committed before\n');
    const request = commitRequest(c);
    await sink.createCommitter(committerInitContext()).commit([request]);
    expect(request.outcome).toBe('already');
    expect(await readFile(join(dir, 'a', c.finalName), 'utf8')).toBe('committed before\n');
  });

  it('fails with TRIB_FILES_PENDING_MISSING when the data is gone', async () => {
    const dir = await tempDir();
    const { sink, committables } = await produce(dir, [recs(0, 2)]);
    const c = committables[0];
    if (c?.kind !== 'file') throw new Error('expected a file committable');
    await rm(join(dir, 'a', c.pendingName));
    const request = commitRequest(c);
    await sink.createCommitter(committerInitContext()).commit([request]);
    expect(request.outcome).toBe('unknown-failure');
    expect(hasErrorCode(request.error, FilesErrorCodes.PENDING_FILE_MISSING)).toBe(true);
  });
});

describe('FileCommitter compaction', () => {
  const compaction = { enabled: true, smallFileSizeBytes: 1000, targetFileSizeBytes: 200, minFiles: 2 };

  it('merges small files of a bucket by concatenation before they become visible', async () => {
    const dir = await tempDir();
    const batches = Array.from({ length: 8 }, (_, i) => recs(i * 2, 2, i % 2 === 0 ? 'a' : 'b'));
    const { sink, committables } = await produce(dir, batches, { compaction });
    expect(committables).toHaveLength(8);
    const requests = committables.map(commitRequest);
    await sink.createCommitter(committerInitContext()).commit(requests);
    expect(requests.every((r) => r.outcome === 'success')).toBe(true);
    const visible = (await listTree(dir)).filter(isVisible);
    expect(visible.every((p) => p.includes('-compacted'))).toBe(true);
    expect(visible.filter((p) => p.startsWith('a/'))).toHaveLength(1);
    expect(visible.filter((p) => p.startsWith('b/'))).toHaveLength(1);
    expect((await readVisibleJsonLines<Rec>(dir)).map((r) => r.id).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 16 }, (_, i) => i),
    );
    expect(await listTree(dir)).toEqual(visible);

    // A repeated commit (restore) finds the sources merged: already committed, nothing duplicated.
    const again = committables.map(commitRequest);
    await sink.createCommitter(committerInitContext()).commit(again);
    expect(again.every((r) => r.outcome === 'already')).toBe(true);
    expect((await readVisibleJsonLines(dir)).length).toBe(16);
  });

  it('splits groups at the target size and leaves large files alone', async () => {
    const dir = await tempDir();
    const { sink, committables } = await produce(dir, [recs(0, 40), recs(40, 2), recs(42, 2), recs(44, 2)], {
      compaction: { ...compaction, smallFileSizeBytes: 200, targetFileSizeBytes: 80 },
    });
    await sink.createCommitter(committerInitContext()).commit(committables.map(commitRequest));
    const visible = (await listTree(dir)).filter(isVisible);
    // 40 records (~800 B) stay as they are; three ~37 B files fit 80 B targets as one pair + one single.
    expect(visible.filter((p) => !p.includes('compacted'))).toHaveLength(2);
    expect(visible.filter((p) => p.includes('compacted'))).toHaveLength(1);
    expect((await readVisibleJsonLines(dir)).length).toBe(46);
  });

  it('re-encodes bulk files through compactionFormat', async () => {
    const dir = await tempDir();
    const { sink, committables } = await produce(dir, [recs(0, 3), recs(3, 3), recs(6, 3)], {
      compaction: { ...compaction, targetFileSizeBytes: 10_000 },
      compactionFormat: bulkFixture<Rec>(),
    });
    await sink.createCommitter(committerInitContext()).commit(committables.map(commitRequest));
    const visible = (await listTree(dir)).filter(isVisible);
    expect(visible).toHaveLength(1);
    const doc = JSON.parse(await readFile(join(dir, visible[0] as string), 'utf8')) as {
      count: number;
      records: Rec[];
    };
    expect(doc.count).toBe(9);
    expect(doc.records.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects compaction of a bulk format without a compactionFormat', () => {
    expect(() => FileSink.forFormat('/tmp/x', bulkFixture<Rec>(), { compaction: { enabled: true } })).toThrow(
      /files\.sink\.compaction\.enabled/,
    );
  });

  it('rolls an interrupted merge forward (target visible) or back (target missing)', async () => {
    for (const targetPublished of [true, false]) {
      const dir = await tempDir();
      const { sink, committables } = await produce(dir, [recs(0, 2), recs(2, 2)], { compaction });
      const names = committables.flatMap((c) => (c.kind === 'file' ? [c.pendingName] : []));
      const targetName = 'part-000000000000-compacted.jsonl';
      const tempName = `.${targetName}.tr-job1.compacting`;
      const merged = (await Promise.all(names.map((n) => readFile(join(dir, 'a', n), 'utf8')))).join('');
      await writeFile(
        join(dir, 'a', '.compaction-000000000000.tr-job1.manifest'),
        JSON.stringify({ targetName, tempName, sources: names }),
      );
      await writeFile(join(dir, 'a', tempName), merged.slice(0, 10));
      if (targetPublished) {
        await writeFile(join(dir, 'a', targetName), merged);
        await rm(join(dir, 'a', names[0] as string)); // the crash came while deleting sources
      }
      const requests = committables.map(commitRequest);
      await sink.createCommitter(committerInitContext()).commit(requests);
      expect(requests.map((r) => r.outcome)).toEqual(
        targetPublished ? ['already', 'already'] : ['success', 'success'],
      );
      const tree = await listTree(dir);
      expect(tree.filter((p) => !isVisible(p))).toEqual([]);
      expect((await readVisibleJsonLines<Rec>(dir)).map((r) => r.id).sort()).toEqual([0, 1, 2, 3]);
    }
  });
});

describe('FileCommitter success markers', () => {
  const markers = { successMarker: { enabled: true } };

  it('marks buckets only after every subtask reached the end of input, across committer restarts', async () => {
    const dir = await tempDir();
    const s0 = await produce(dir, [recs(0, 2, 'a')], markers, 0, 2);
    const s1 = await produce(dir, [recs(2, 2, 'b')], markers, 1, 2);
    await s0.sink.createCommitter(committerInitContext()).commit(s0.committables.map(commitRequest));
    expect((await listTree(dir)).filter((p) => p.endsWith('_SUCCESS'))).toEqual([]);
    // A new committer (a restarted job) sees subtask 0's end from the durable record.
    await s1.sink.createCommitter(committerInitContext()).commit(s1.committables.map(commitRequest));
    expect((await listTree(dir)).filter((p) => p.endsWith('_SUCCESS')).sort()).toEqual([
      'a/_SUCCESS',
      'b/_SUCCESS',
    ]);
    expect((await listTree(dir)).filter((p) => p.startsWith('.tributary/')).length).toBe(2);
  });

  it('marks time buckets once every subtask progressed past their end', async () => {
    const dir = await tempDir();
    const hour = 3_600_000;
    const t0 = Date.UTC(2024, 4, 1, 10);
    const sink = FileSink.forFormat(dir, jsonLinesFixture<{ t: number }>(), {
      bucketAssigner: BucketAssigners.dateTime({ time: 'event' }),
      successMarker: { enabled: true, delayMs: 60_000 },
    });
    const w0 = await sink.createWriter(writerInitContext({ subtaskId: 0, parallelism: 2 }));
    const w1 = await sink.createWriter(writerInitContext({ subtaskId: 1, parallelism: 2 }));
    const committer = sink.createCommitter(committerInitContext());
    const checkpoint = async (wm0: number, wm1: number) => {
      w0.writeWatermark?.(wm0);
      w1.writeWatermark?.(wm1);
      const cs = [...(await w0.prepareCommit()), ...(await w1.prepareCommit())];
      await committer.commit(cs.map(commitRequest));
      return (await listTree(dir)).filter((p) => p.endsWith('_SUCCESS')).sort();
    };
    await w0.write([{ t: t0 + 5 }, { t: t0 + hour + 5 }], writeContext([t0 + 5, t0 + hour + 5]));
    await w1.write([{ t: t0 + 10 }], writeContext([t0 + 10]));
    expect(await checkpoint(t0 + hour + 100, t0 + 100)).toEqual([]);
    // Both passed 11:00 but not 11:00 + delay.
    expect(await checkpoint(t0 + hour + 100, t0 + hour + 100)).toEqual([]);
    expect(await checkpoint(t0 + hour + 60_000, t0 + hour + 60_000)).toEqual(['2024-05-01--10/_SUCCESS']);
    expect(await checkpoint(t0 + 2 * hour + 60_000, t0 + 3 * hour)).toEqual([
      '2024-05-01--10/_SUCCESS',
      '2024-05-01--11/_SUCCESS',
    ]);
    await w0.close();
    await w1.close();
  });
});
