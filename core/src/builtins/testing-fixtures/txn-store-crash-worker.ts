/**
 * Test-only child process for the SIGKILL test of the transactional store. It plays a tiny
 * runtime: per subtask a "source" position (next record number) and a TwoPhaseCommitTestSink
 * writer; per checkpoint it flushes, prepares, snapshots, writes the checkpoint file durably
 * (tmp + fsync + rename), then commits. On start it restores from the checkpoint file, if any,
 * re-committing its committables first. The parent kills it with SIGKILL at random instants.
 *
 * Usage: tsx txn-store-crash-worker.ts <storeDir> <checkpointFile> <recordsPerSubtask>
 */
import { open, readFile, rename } from 'node:fs/promises';
import type { CommitRequest, CommittingSinkWriter, StatefulSinkWriter } from '../../api/sink.js';
import { silentLogger } from '../../logging/logger.js';
import { CommitterMetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import type { TransactionalCommittable } from '../transactional/transactional-store.js';
import type { TransactionalWriterState } from '../transactional/transactional-store-writer.js';
import { TwoPhaseCommitTestSink } from '../transactional/two-phase-commit-test-sink.js';
import { fakeWriterContext } from './fake-contexts.js';

interface Checkpoint {
  readonly checkpointId: number;
  readonly positions: number[];
  readonly writerStates: TransactionalWriterState[][];
  readonly committables: TransactionalCommittable[];
}

type Writer = CommittingSinkWriter<Rec, TransactionalCommittable> &
  StatefulSinkWriter<Rec, TransactionalWriterState>;
interface Rec {
  readonly subtask: number;
  readonly n: number;
}

const PARALLELISM = 2;
const BATCH = 25;
const BATCHES_PER_CHECKPOINT = 3;

async function main(): Promise<void> {
  const [storeDir, checkpointFile, totalArg] = process.argv.slice(2) as [string, string, string];
  const total = Number(totalArg);
  const sink = new TwoPhaseCommitTestSink<Rec>({ directory: storeDir });
  const restored = await readCheckpoint(checkpointFile);
  const committer = await sink.createCommitter({
    metricGroup: new CommitterMetricGroup(new MetricRegistry(), {}),
    logger: silentLogger,
    jobId: 'crash-job',
  });
  const commit = async (committables: readonly TransactionalCommittable[]) => {
    const failures: unknown[] = [];
    await committer.commit(committables.map((c) => request(c, failures)));
    if (failures.length > 0) throw failures[0];
  };
  const positions = restored ? [...restored.positions] : Array.from({ length: PARALLELISM }, () => 0);
  const writers: Writer[] = [];
  for (let s = 0; s < PARALLELISM; s++) {
    // attemptNumber is 0 on every run on purpose: names must not collide even then.
    const ctx = fakeWriterContext({ subtaskId: s, parallelism: PARALLELISM, jobId: 'crash-job' });
    writers.push((await sink.restoreWriter(ctx, restored?.writerStates[s] ?? [])) as Writer);
  }
  if (restored) await commit(restored.committables);
  process.stdout.write('ready\n');
  let checkpointId = restored?.checkpointId ?? 0;
  while (positions.some((p) => p < total)) {
    for (let b = 0; b < BATCHES_PER_CHECKPOINT; b++) {
      for (let s = 0; s < PARALLELISM; s++) {
        const from = positions[s] as number;
        const to = Math.min(total, from + BATCH);
        if (to === from) continue;
        await (writers[s] as Writer).write(
          Array.from({ length: to - from }, (_, k) => ({ subtask: s, n: from + k })),
          { currentWatermark: undefined, timestamp: () => undefined },
        );
        positions[s] = to;
      }
    }
    const endOfInput = positions.every((p) => p >= total);
    checkpointId++;
    const committables: TransactionalCommittable[] = [];
    const writerStates: TransactionalWriterState[][] = [];
    for (const w of writers) {
      await w.flush(endOfInput);
      committables.push(...(await w.prepareCommit()));
      writerStates.push(await w.snapshotState(checkpointId));
    }
    await writeCheckpoint(checkpointFile, {
      checkpointId,
      positions: [...positions],
      writerStates,
      committables,
    });
    await commit(committables);
  }
  for (const w of writers) await w.close();
  process.stdout.write('done\n');
}

function request(
  committable: TransactionalCommittable,
  failures: unknown[],
): CommitRequest<TransactionalCommittable> {
  return {
    committable,
    numberOfRetries: 0,
    signalFailedWithKnownReason: (e) => failures.push(e),
    signalFailedWithUnknownReason: (e) => failures.push(e),
    retryLater: () => failures.push(new Error('retry requested')),
    updateAndRetryLater: () => failures.push(new Error('retry requested')),
    signalAlreadyCommitted: () => {},
  };
}

async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  await handle.writeFile(JSON.stringify(checkpoint));
  await handle.sync();
  await handle.close();
  await rename(tmp, path);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
