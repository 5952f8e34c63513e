/**
 * Job module for the worker tests: datagen → map → two-phase-commit test sink. Optionally one
 * worker fails once, as soon as a checkpoint exists in `failAt.checkpointDir` (so the restart has
 * something to restore): an uncaught throw, or
 * `process.exit` inside the worker. A flag file makes it fail only once across restarts.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { DataGeneratorSource, defineJob, Pipeline, TwoPhaseCommitTestSink } from '../../../index.js';

export interface WorkerTestRecord {
  readonly id: number;
  readonly payload: string;
}

export interface WorkerTestJobParams {
  readonly storeDir: string;
  readonly count: number;
  readonly recordsPerSecond?: number;
  readonly numSplits?: number;
  readonly failAt?: {
    readonly checkpointDir: string;
    readonly how: 'throw' | 'exit';
    readonly flagFile: string;
  };
}

/** True the first time across every thread and restart (the flag file is created exclusively). */
function firstTime(flagFile: string): boolean {
  try {
    writeFileSync(flagFile, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

export default defineJob((params: WorkerTestJobParams) => {
  const { failAt } = params;
  let mapped = 0;
  const checkpointed = (dir: string) => {
    try {
      return readdirSync(dir).some((name) => name.startsWith('chk-'));
    } catch {
      return false;
    }
  };
  return Pipeline.from(
    new DataGeneratorSource<WorkerTestRecord>({
      generator: (index) => ({ id: index, payload: `record-${index}` }),
      count: params.count,
      ...(params.recordsPerSecond === undefined ? {} : { recordsPerSecond: params.recordsPerSecond }),
      numSplits: params.numSplits ?? 8,
    }),
    { name: 'datagen' },
  )
    .map((r) => {
      if (failAt && ++mapped % 50 === 0 && checkpointed(failAt.checkpointDir) && firstTime(failAt.flagFile)) {
        if (failAt.how === 'exit') process.exit(7);
        // Outside the subtask's own error handling: an uncaught exception of the worker.
        setImmediate(() => {
          throw new Error(`injected uncaught error at record ${r.id}`);
        });
      }
      return { ...r, payload: r.payload.toUpperCase() };
    })
    .sinkTo(new TwoPhaseCommitTestSink<WorkerTestRecord>({ directory: params.storeDir }), { name: 'store' });
});
