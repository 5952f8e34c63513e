import type {
  CommitRequest,
  CommitterInitContext,
  SinkWriterContext,
  WriterInitContext,
} from '@tributary/core';
import {
  type CommitOutcome,
  fakeBatchContext,
  fakeCommitterContext,
  fakeWriterContext,
  recordingCommitRequests,
} from '@tributary/core/testing';

import type { ExactlyOnceKafkaSinkWriter } from '../sink/exactly-once-kafka-sink-writer.js';
import type { KafkaSink } from '../sink/kafka-sink.js';

export type { CommitOutcome };

/** Test-only: a writer init context. */
export function writerContext(overrides: Partial<WriterInitContext> = {}): WriterInitContext {
  return fakeWriterContext({ jobId: 'kafka-test-job', ...overrides });
}

/** Test-only: a committer init context. */
export function committerContext(): CommitterInitContext {
  return fakeCommitterContext('kafka-test-job');
}

/** Test-only: a per-batch writer context with optional event timestamps. */
export function batchContext(timestamps: readonly (number | undefined)[] = []): SinkWriterContext {
  return fakeBatchContext(timestamps);
}

/** Test-only: commit requests that record the committer's verdicts. */
export function commitRequests<C>(committables: readonly C[]): {
  readonly requests: CommitRequest<C>[];
  readonly outcomes: CommitOutcome[];
} {
  return recordingCommitRequests(committables);
}

/**
 * Test-only: writes `values` in one transaction of a fresh writer of an exactly-once `sink`, then
 * commits it with a fresh committer, as a checkpoint would; returns the committer's verdicts.
 */
export async function writeOneTransaction<T>(
  sink: KafkaSink<T>,
  values: readonly T[],
): Promise<CommitOutcome[]> {
  const writer = (await sink.createWriter(writerContext())) as ExactlyOnceKafkaSinkWriter<T>;
  await writer.write(values, batchContext());
  await writer.flush(true);
  const committables = await writer.prepareCommit();
  await writer.close();
  const committer = sink.createCommitter(committerContext());
  const { requests, outcomes } = commitRequests(committables);
  await committer.commit(requests);
  await committer.close();
  return outcomes;
}
