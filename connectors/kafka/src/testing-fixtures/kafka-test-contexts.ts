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
