import { randomUUID } from 'node:crypto';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CommitRequest,
  type Committer,
  type CommittingSinkWriter,
  jsonSerializer,
  type Sink,
  type SupportsCommitter,
  TributaryError,
  type WriterInitContext,
} from '@tributary/core';
import { PartitionSinkOptions, type PartitionSinkOptionsInput } from './options.js';
import { PARTITION_SUFFIX, STAGING, toJsonLines } from './partition-files.js';

type SinkOptions = ReturnType<typeof PartitionSinkOptions.parse>;

/** A partition written and synced under `.staging/`, to be linked into place on commit. */
export interface PartitionCommittable {
  readonly staging: string;
  readonly target: string;
}

// #region guide-2pc-sink
/**
 * A two-phase-commit sink: each checkpoint's records become one new partition file per
 * subtask. Exactly-once is two-phase: `prepareCommit` writes and fsyncs the partition under
 * `.staging/`; the committer links it into the directory when the checkpoint completes (a
 * re-commit after a restore finds the target and reports "already committed"). Staging files of
 * checkpoints that never completed stay invisible to readers.
 */
export class PartitionSink<T> implements Sink<T>, SupportsCommitter<PartitionCommittable> {
  readonly committableSerializer = jsonSerializer<PartitionCommittable>({ name: 'PartitionCommittable' });

  private readonly options: SinkOptions;

  constructor(options: PartitionSinkOptionsInput) {
    this.options = PartitionSinkOptions.parse(options); // fail fast, when the job is built
  }

  async createWriter(ctx: WriterInitContext): Promise<CommittingSinkWriter<T, PartitionCommittable>> {
    await mkdir(join(this.options.directory, STAGING), { recursive: true });
    return new PartitionWriter<T>(this.options, ctx);
  }

  createCommitter(): Committer<PartitionCommittable> {
    return new PartitionCommitter(this.options.directory);
  }
}
// #endregion guide-2pc-sink

// #region guide-2pc-writer
class PartitionWriter<T> implements CommittingSinkWriter<T, PartitionCommittable> {
  private buffered: T[] = [];
  private seq = 0;
  // Unique per writer instance: names never collide across subtasks, attempts or restarts.
  private readonly prefix: string;

  constructor(
    private readonly options: SinkOptions,
    private readonly ctx: WriterInitContext,
  ) {
    this.prefix = `part-${ctx.subtaskId}-${ctx.attemptNumber}-${randomUUID().slice(0, 8)}`;
  }

  async write(batch: readonly T[]): Promise<void> {
    for (const record of batch) this.buffered.push(record);
  }

  async flush(): Promise<void> {
    if (this.options.deliveryGuarantee !== 'at-least-once' || this.buffered.length === 0) return;
    const { staging, target } = await this.stage();
    await rename(join(this.options.directory, staging), join(this.options.directory, target));
  }

  async prepareCommit(): Promise<PartitionCommittable[]> {
    if (this.options.deliveryGuarantee !== 'exactly-once' || this.buffered.length === 0) return [];
    return [await this.stage()];
  }

  async close(): Promise<void> {
    this.buffered = [];
  }

  /** Writes the buffered records as one synced staging file; counts them as sent. */
  private async stage(): Promise<PartitionCommittable> {
    const started = Date.now();
    const records = this.buffered;
    this.buffered = [];
    const name = `${this.prefix}-${String(this.seq++).padStart(6, '0')}${PARTITION_SUFFIX}`;
    const staging = join(STAGING, name);
    const text = toJsonLines(records);
    const file = await open(join(this.options.directory, staging), 'wx');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    const metrics = this.ctx.metricGroup;
    metrics.numRecordsSend.inc(records.length);
    metrics.numBytesSend.inc(Buffer.byteLength(text));
    metrics.recordSendTime(Date.now() - started);
    return { staging, target: name };
  }
}
// #endregion guide-2pc-writer

// #region guide-2pc-committer
/** Publishes staged partitions; idempotent, as re-commits after a restore require. */
class PartitionCommitter implements Committer<PartitionCommittable> {
  constructor(private readonly directory: string) {}

  async commit(requests: readonly CommitRequest<PartitionCommittable>[]): Promise<void> {
    for (const request of requests) {
      const staging = join(this.directory, request.committable.staging);
      const target = join(this.directory, request.committable.target);
      try {
        await link(staging, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          request.signalAlreadyCommitted();
        } else if (code === 'ENOENT' && (await exists(target))) {
          request.signalAlreadyCommitted();
          continue;
        } else {
          request.signalFailedWithKnownReason(
            new TributaryError('PARTITIONS_COMMIT', `Cannot publish partition ${target}`, {
              cause: error,
              context: { file: target },
            }),
          );
          continue;
        }
      }
      await unlink(staging).catch(() => undefined);
    }
  }

  async close(): Promise<void> {}
}
// #endregion guide-2pc-committer

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
