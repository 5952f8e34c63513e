import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Committer,
  CommittingSinkWriter,
  StatefulSinkWriter,
  WriterInitContext,
} from '../../api/sink.js';
import {
  type CommitOutcome,
  fakeCommitterContext,
  fakeWriterContext,
  recordingCommitRequests,
} from '../../testing/fake-contexts.js';
import { cleanupOrphans, readCommitted, type TransactionalCommittable } from './transactional-store.js';
import type { TransactionalWriterState } from './transactional-store-writer.js';
import { TwoPhaseCommitTestSink } from './two-phase-commit-test-sink.js';

type Writer<T> = CommittingSinkWriter<T, TransactionalCommittable> &
  StatefulSinkWriter<T, TransactionalWriterState>;

const writeCtx = { currentWatermark: undefined, timestamp: () => undefined };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-txn-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function committerOf(
  sink: TwoPhaseCommitTestSink<unknown>,
): Promise<Committer<TransactionalCommittable>> {
  return sink.createCommitter(fakeCommitterContext('job'));
}

async function commit(
  committer: Committer<TransactionalCommittable>,
  committables: readonly TransactionalCommittable[],
): Promise<CommitOutcome['kind'][]> {
  const { requests, outcomes } = recordingCommitRequests(committables);
  await committer.commit(requests);
  lastOutcomes = outcomes;
  return outcomes.map((o) => o.kind);
}
let lastOutcomes: CommitOutcome[] = [];

async function writerOf<T>(
  sink: TwoPhaseCommitTestSink<T>,
  ctx: Partial<WriterInitContext> = {},
  states?: TransactionalWriterState[],
): Promise<Writer<T>> {
  const init = fakeWriterContext({ jobId: 'job', ...ctx });
  return (states ? await sink.restoreWriter(init, states) : await sink.createWriter(init)) as Writer<T>;
}

/** One checkpoint as the runtime takes it: flush → prepareCommit → snapshotState. */
async function checkpoint<T>(w: Writer<T>, id: number, endOfInput = false) {
  await w.flush(endOfInput);
  const committables = await w.prepareCommit();
  const states = await w.snapshotState(id);
  return { committables, states };
}

describe('TwoPhaseCommitTestSink (exactly-once)', () => {
  it('stages per checkpoint, commits atomically and idempotently', async () => {
    const sink = new TwoPhaseCommitTestSink<{ n: number }>({ directory: dir });
    const w = await writerOf(sink);
    await w.write([{ n: 1 }, { n: 2 }], writeCtx);
    const cp1 = await checkpoint(w, 1);
    expect(cp1.committables).toHaveLength(1);
    expect(cp1.committables[0]?.stagingFile).toMatch(
      /^pending\/job--s0--a0--r[0-9a-f]{8}--n0000000000\.jsonl$/,
    );
    expect((await readCommitted(dir)).records).toEqual([]);
    // A checkpoint without records prepares nothing.
    expect((await checkpoint(w, 2)).committables).toEqual([]);

    const committer = await committerOf(sink);
    const ser = sink.committableSerializer;
    const fromCheckpoint = cp1.committables.map((c) => ser.deserialize(ser.version, ser.serialize(c)));
    expect(await commit(committer, fromCheckpoint)).toEqual(['success']);
    expect((await readCommitted(dir)).records).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await readdir(join(dir, 'pending'))).toEqual([]);
    expect(await commit(committer, fromCheckpoint)).toEqual(['already']);
    expect((await readCommitted(dir)).records).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('fails a committable whose staging file and target are both gone with a known, typed error', async () => {
    const sink = new TwoPhaseCommitTestSink<number>({ directory: dir });
    const w = await writerOf(sink);
    await w.write([1], writeCtx);
    const { committables } = await checkpoint(w, 1);
    await rm(join(dir, committables[0]?.stagingFile as string));
    expect(await commit(await committerOf(sink), committables)).toEqual(['known']);
    expect(lastOutcomes[0]).toMatchObject({
      kind: 'known',
      error: { code: 'TRIB_TXN_STORE_STAGING_MISSING' },
    });
  });

  it('rejects committables pointing outside the store', async () => {
    const sink = new TwoPhaseCommitTestSink<number>({ directory: dir });
    const bad = { stagingFile: '../../etc/passwd', targetFile: 'committed/x.jsonl' };
    expect(await commit(await committerOf(sink), [bad])).toEqual(['unknown']);
    expect(lastOutcomes[0]).toMatchObject({ error: { code: 'TRIB_TXN_STORE_CORRUPT' } });
  });

  it.each([
    ['writer first, then re-commit', true],
    ['re-commit first, then writer', false],
  ])('recovers after a crash (%s): every record exactly once, in order', async (_name, writerFirst) => {
    const sink = new TwoPhaseCommitTestSink<number>({ directory: dir });
    const committer = await committerOf(sink);
    const a = await writerOf(sink);
    await a.write([1, 2], writeCtx);
    const cp1 = await checkpoint(a, 1);
    await commit(committer, cp1.committables);
    await a.write([3, 4], writeCtx);
    const cp2 = await checkpoint(a, 2); // checkpoint 2 durable, crash before its commit
    await a.write([5], writeCtx);
    await checkpoint(a, 3); // prepared, but checkpoint 3 never completed
    await a.write([6], writeCtx); // in progress at the crash
    // --- SIGKILL: nothing is closed. Restore from checkpoint 2 (pending committables: cp2's). ---
    expect((await readdir(join(dir, 'pending'))).length).toBe(3);
    const restoreCommittables = [...cp1.committables, ...cp2.committables];
    let b: Writer<number>;
    if (writerFirst) {
      b = await writerOf(sink, { attemptNumber: 1, restoredCheckpointId: 2 }, cp2.states);
      expect(await commit(committer, restoreCommittables)).toEqual(['already', 'success']);
    } else {
      expect(await commit(committer, restoreCommittables)).toEqual(['already', 'success']);
      b = await writerOf(sink, { attemptNumber: 1, restoredCheckpointId: 2 }, cp2.states);
    }
    // Lingering files of checkpoint 3 and the in-progress one were aborted.
    expect(await readdir(join(dir, 'pending'))).toEqual([]);
    await b.write([5, 6, 7], writeCtx);
    const cp3 = await checkpoint(b, 3, true);
    await commit(committer, cp3.committables);
    await b.close();
    const { records, files } = await readCommitted<number>(dir);
    expect(records).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(files.map((f) => f.seq)).toEqual([0, 1, 2]);
  });

  it('never shows orphans; cleanupOrphans keeps only what may still be committed', async () => {
    const sink = new TwoPhaseCommitTestSink<string>({ directory: dir });
    const w0 = await writerOf(sink, { subtaskId: 0 });
    const w1 = await writerOf(sink, { subtaskId: 1 });
    await w0.write(['a'], writeCtx);
    await w1.write(['b'], writeCtx);
    const keep = (await checkpoint(w0, 1)).committables;
    await checkpoint(w1, 1); // prepared, never checkpointed: an orphan
    await writeFile(join(dir, 'pending', 'not-ours.txt'), 'x');
    expect((await readCommitted(dir)).records).toEqual([]);
    const result = await cleanupOrphans(dir, { keep, jobId: 'job' });
    expect(result.kept).toEqual([keep[0]?.stagingFile.slice('pending/'.length)]);
    expect(result.deleted).toHaveLength(1);
    expect((await readdir(join(dir, 'pending'))).sort()).toEqual([result.kept[0], 'not-ours.txt'].sort());
    expect(await commit(await committerOf(sink), keep)).toEqual(['success']);
    expect((await readCommitted(dir)).records).toEqual(['a']);
  });

  it('rejects records JSON cannot store, before writing anything', async () => {
    const sink = new TwoPhaseCommitTestSink<unknown>({ directory: dir });
    const w = await writerOf(sink);
    await expect(w.write([1, 2n], writeCtx)).rejects.toMatchObject({ code: 'TRIB_RECORD_INVALID' });
    await expect(w.write([undefined], writeCtx)).rejects.toMatchObject({ code: 'TRIB_RECORD_INVALID' });
    expect(await readdir(join(dir, 'pending'))).toEqual([]);
  });
});

describe('TwoPhaseCommitTestSink (at-least-once and none)', () => {
  it('at-least-once publishes on every flush; a replay duplicates', async () => {
    const sink = new TwoPhaseCommitTestSink<number>({ directory: dir, deliveryGuarantee: 'at-least-once' });
    const a = await writerOf(sink);
    await a.write([1, 2], writeCtx);
    const cp1 = await checkpoint(a, 1);
    expect(cp1.committables).toEqual([]);
    expect((await readCommitted(dir)).records).toEqual([1, 2]);
    await a.write([3], writeCtx);
    await a.flush(false); // flushed for checkpoint 2, which then fails
    const b = await writerOf(sink, { attemptNumber: 1 }, cp1.states);
    await b.write([3, 4], writeCtx);
    await b.flush(true);
    expect((await readCommitted<number>(dir)).records.sort()).toEqual([1, 2, 3, 3, 4]);
  });

  it('none publishes full files and the rest at end of input; close drops the open file', async () => {
    const sink = new TwoPhaseCommitTestSink<number>({
      directory: dir,
      deliveryGuarantee: 'none',
      maxRecordsPerFile: 3,
    });
    const w = await writerOf(sink);
    await w.write([1, 2], writeCtx);
    await checkpoint(w, 1);
    expect((await readCommitted(dir)).records).toEqual([]);
    await w.write([3], writeCtx);
    expect((await readCommitted(dir)).records).toEqual([1, 2, 3]);
    await w.write([4], writeCtx);
    await w.flush(true);
    expect((await readCommitted(dir)).records).toEqual([1, 2, 3, 4]);
    await w.write([5], writeCtx);
    await w.close();
    expect((await readCommitted(dir)).records).toEqual([1, 2, 3, 4]);
    expect(await readdir(join(dir, 'pending'))).toEqual([]);
  });

  it('validates options', () => {
    expect(() => new TwoPhaseCommitTestSink({ directory: '' })).toThrow(
      /twoPhaseCommitTest\.sink\.directory/,
    );
    expect(
      () => new TwoPhaseCommitTestSink({ directory: dir, deliveryGuarantee: 'twice' as 'none' }),
    ).toThrow(/deliveryGuarantee/);
  });
});

describe('TwoPhaseCommitTestSink under SIGKILL', () => {
  it('loses and duplicates nothing when the process is killed at random instants', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const worker = join(here, '..', 'testing-fixtures', 'txn-store-crash-worker.ts');
    // Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a child process
    // that SIGKILL of the CLI leaves running, next to the following run (duplicates).
    const tsxLoader = createRequire(import.meta.url).resolve('tsx');
    const store = join(dir, 'store');
    const checkpointFile = join(dir, 'checkpoint.json');
    const total = 8000;
    let kills = 0;
    for (let run = 0; run < 30; run++) {
      // A run does ~0.5 s of work after 'ready': kill the first ones anywhere in it, then let it finish.
      const killAfterMs = run < 6 ? Math.floor(Math.random() * 300) : undefined;
      const result = await runWorker(tsxLoader, [worker, store, checkpointFile, String(total)], killAfterMs);
      if (result === 'killed') kills++;
      else if (result === 'done') break;
      else throw new Error(`worker failed: ${result}`);
    }
    expect(kills).toBeGreaterThan(0);
    const { records } = await readCommitted<{ subtask: number; n: number }>(store);
    for (const s of [0, 1]) {
      const mine = records.filter((r) => r.subtask === s).map((r) => r.n);
      expect(mine).toEqual(Array.from({ length: total }, (_, i) => i));
    }
    expect(records.length).toBe(2 * total);
  }, 120_000);
});

function runWorker(
  tsxLoader: string,
  args: string[],
  killAfterMs: number | undefined,
): Promise<'killed' | 'done' | string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(tsxLoader).href, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (killAfterMs !== undefined && timer === undefined && stdout.includes('ready')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && stdout.includes('done')) resolve('done');
      else resolve(`exit ${code} ${signal ?? ''} ${stderr}`);
    });
  });
}
