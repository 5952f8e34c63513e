import { z } from 'zod';
import type {
  CommitRequest,
  Committer,
  CommitterInitContext,
  Sink,
  SupportsCommitter,
  SupportsWriterState,
  WriterInitContext,
} from '../../api/sink.js';
import { defineOptions } from '../../config/options.js';
import { isRetriable, TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../logging/logger.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';
import { BuiltinErrorCodes } from '../builtin-error-codes.js';
import {
  ensureStoreLayout,
  publishStagingFile,
  type TransactionalCommittable,
} from './transactional-store.js';
import { TransactionalStoreWriter, type TransactionalWriterState } from './transactional-store-writer.js';

/** The options schema of {@link TwoPhaseCommitTestSink}. */
export const twoPhaseCommitTestSinkOptions = defineOptions(
  'twoPhaseCommitTest.sink',
  z
    .object({
      directory: z
        .string()
        .min(1)
        .describe(
          'Directory of the store (`pending/` and `committed/` are created in it). Local filesystem.',
        ),
      deliveryGuarantee: z
        .enum(['none', 'at-least-once', 'exactly-once'])
        .default('exactly-once')
        .describe(
          "'exactly-once': files committed when their checkpoint completes; 'at-least-once': files published on every flush; 'none': files published when full and at end of input.",
        ),
      maxRecordsPerFile: z
        .number()
        .int()
        .min(1)
        .default(10_000)
        .describe("With 'none': a file is published once it holds this many records."),
    })
    .strict(),
);

/** Options of a {@link TwoPhaseCommitTestSink}. */
export type TwoPhaseCommitTestSinkOptions = z.input<typeof twoPhaseCommitTestSinkOptions.schema>;

/**
 * A two-phase-commit sink backed by a local directory, for proving exactly-once behaviour of the
 * runtime and of sources without any external service. Records are stored as JSON lines.
 *
 * - The writer appends each checkpoint's records to a staging file in `pending/` (named by job,
 *   subtask, attempt, a random run id and a sequence); `prepareCommit` fsyncs and closes it and
 *   returns `{ stagingFile, targetFile }`.
 * - The committer publishes it atomically (hard link into `committed/`, then unlink). Re-commits
 *   after a restore find the target and report `signalAlreadyCommitted`; a committable whose
 *   staging file and target are both gone fails with `TRIB_TXN_STORE_STAGING_MISSING` (known
 *   reason: logged and counted, the job goes on — that data was deleted outside the sink).
 * - On restore, the writer deletes staging files of the restored runs written after the restored
 *   checkpoint (never referenced by any committable); see `abortLingeringStagingFiles`.
 *   Staging files of runs that never completed a checkpoint stay as invisible orphans; reclaim
 *   them with `cleanupOrphans`.
 * - {@link readCommitted} reads only `committed/`, so partial or uncommitted data is never seen,
 *   whenever the process was killed.
 *
 * @example
 * ```ts
 * const sink = new TwoPhaseCommitTestSink<Order>({ directory: '/tmp/out' });
 * // ... run the job, kill it, restart it ...
 * const { records } = await readCommitted<Order>('/tmp/out');
 * ```
 */
export class TwoPhaseCommitTestSink<T>
  implements
    Sink<T, TransactionalCommittable, TransactionalWriterState>,
    SupportsCommitter<TransactionalCommittable>,
    SupportsWriterState<T, TransactionalWriterState>
{
  readonly committableSerializer: VersionedSerializer<TransactionalCommittable> =
    jsonSerializer<TransactionalCommittable>({ name: 'TransactionalCommittable' });
  readonly writerStateSerializer: VersionedSerializer<TransactionalWriterState> =
    jsonSerializer<TransactionalWriterState>({ name: 'TransactionalWriterState' });
  readonly options: z.output<typeof twoPhaseCommitTestSinkOptions.schema>;

  constructor(options: TwoPhaseCommitTestSinkOptions) {
    this.options = twoPhaseCommitTestSinkOptions.parse(options);
  }

  createWriter(ctx: WriterInitContext): Promise<TransactionalStoreWriter<T>> {
    return this.restoreWriter(ctx, []);
  }

  restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly TransactionalWriterState[],
  ): Promise<TransactionalStoreWriter<T>> {
    const { directory, deliveryGuarantee, maxRecordsPerFile } = this.options;
    return TransactionalStoreWriter.open<T>(
      directory,
      deliveryGuarantee,
      maxRecordsPerFile,
      ctx,
      recoveredState,
    );
  }

  async createCommitter(ctx: CommitterInitContext): Promise<Committer<TransactionalCommittable>> {
    await ensureStoreLayout(this.options.directory);
    return new TransactionalStoreCommitter(this.options.directory, ctx.logger);
  }
}

/** Publishes staging files in the order given (the runtime passes checkpoint order). */
class TransactionalStoreCommitter implements Committer<TransactionalCommittable> {
  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  async commit(requests: readonly CommitRequest<TransactionalCommittable>[]): Promise<void> {
    for (const request of requests) {
      const committable = request.committable;
      let outcome: Awaited<ReturnType<typeof publishStagingFile>>;
      try {
        outcome = await publishStagingFile(this.dir, committable);
      } catch (error) {
        if (isRetriable(error)) request.retryLater();
        else request.signalFailedWithUnknownReason(error);
        continue;
      }
      if (outcome === 'already') request.signalAlreadyCommitted();
      else if (outcome === 'missing') {
        this.logger.warn({ ...committable }, 'staging file and committed file are both missing');
        request.signalFailedWithKnownReason(
          new TributaryError(
            BuiltinErrorCodes.TXN_STORE_STAGING_MISSING,
            `Cannot commit ${committable.stagingFile}: neither it nor ${committable.targetFile} exists (deleted outside the sink?)`,
            { context: { ...committable, directory: this.dir } },
          ),
        );
      }
    }
  }

  async close(): Promise<void> {}
}
