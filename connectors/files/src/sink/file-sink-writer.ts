import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  CommittingSinkWriter,
  FileRecordWriter,
  FileWriterFormat,
  SinkWriterContext,
  StatefulSinkWriter,
  WriterInitContext,
} from '@tributary/core';
import { exists, fsyncDirectory, ioError, publishFile, unlinkIfExists } from '../fs/fs-utils.js';
import { LocalFileOutput } from '../fs/local-file-output.js';
import type { BucketAssigner, BucketContext } from './bucket-assigners.js';
import type { FileCommittable, FileWriterState } from './file-committable.js';
import type { ResolvedFileSinkOptions } from './file-sink-options.js';
import { cleanupOrphanPartFiles } from './orphan-file-cleaner.js';
import { finalPartName, hiddenPartName, jobTagOf, newRunId, validateBucketId } from './part-file-naming.js';

/** Everything a writer needs from its sink. */
export interface FileSinkWriterDeps<T> {
  readonly basePath: string;
  readonly format: FileWriterFormat<T>;
  readonly options: ResolvedFileSinkOptions;
  readonly assigner: BucketAssigner<T>;
  readonly ctx: WriterInitContext;
}

/** An open in-progress part file. */
interface OpenPart<T> {
  readonly finalName: string;
  readonly path: string;
  readonly output: LocalFileOutput;
  readonly writer: FileRecordWriter<T>;
  readonly openedAt: number;
  lastWriteAt: number;
  countedBytes: number;
}

interface Bucket<T> {
  readonly id: string;
  readonly dir: string;
  part: OpenPart<T> | undefined;
}

/** Directories known to exist, remembered to skip a mkdir per bucket and checkpoint. */
const KNOWN_DIRS_LIMIT = 10_000;

/** Checks for inactive part files at most this often (a scan over the open buckets). */
const INACTIVITY_SCAN_MS = 1000;

/**
 * Writes records into part files, one open file per bucket (Flink's `FileWriter` + `Bucket`).
 *
 * Lifecycle of a part file: created hidden as `.…inprogress` on the first record of a bucket;
 * rolled by size, open time or inactivity (checked after batches) and always at a checkpoint. A
 * rolled file is finished (format footer), fsynced, and then
 * - `exactly-once`: renamed to `.…pending` and returned from {@link prepareCommit}; the committer
 *   publishes it after the checkpoint completes;
 * - `at-least-once` / `none`: published at once under its final name (hard link, never overwrites).
 *
 * Rolling at every checkpoint (row formats too) keeps the writer state free of open files: a
 * restore never truncates or reopens anything, it only deletes this job's orphans.
 */
export class FileSinkWriter<T>
  implements CommittingSinkWriter<T, FileCommittable>, StatefulSinkWriter<T, FileWriterState>
{
  private readonly buckets = new Map<string, Bucket<T>>();
  private readonly pendingCommittables: FileCommittable[] = [];
  private readonly dirtyDirs = new Set<string>();
  private readonly markerBuckets = new Set<string>();
  private readonly knownDirs = new Set<string>();
  /** Reused for every record (no allocation on the hot path). */
  private readonly bucketCtx: { -readonly [K in keyof BucketContext]: BucketContext[K] };
  private readonly runId = newRunId();
  private readonly jobTag: string;
  private counter = 0;
  private watermark: number | undefined;
  private inputEnded = false;
  private lastInactivityScan = 0;
  private closed = false;

  private constructor(private readonly deps: FileSinkWriterDeps<T>) {
    this.jobTag = jobTagOf(deps.ctx.jobId);
    this.bucketCtx = { timestamp: undefined, currentProcessingTime: 0, currentWatermark: undefined };
  }

  /** Creates a writer (restoring marker bookkeeping) after deleting this subtask's orphans. */
  static async create<T>(
    deps: FileSinkWriterDeps<T>,
    restored: readonly FileWriterState[],
  ): Promise<FileSinkWriter<T>> {
    const writer = new FileSinkWriter(deps);
    for (const state of restored) for (const b of state.markerBuckets) writer.markerBuckets.add(b);
    await mkdir(deps.basePath, { recursive: true });
    if (deps.options.cleanupOrphanFiles) {
      const deleted = await cleanupOrphanPartFiles({
        basePath: deps.basePath,
        jobTag: writer.jobTag,
        subtask: deps.ctx.subtaskId,
        parallelism: deps.ctx.parallelism,
        runId: writer.runId,
      });
      if (deleted.length > 0) {
        deps.ctx.logger.info(
          { deleted: deleted.length, subtask: deps.ctx.subtaskId },
          'deleted orphan part files',
        );
      }
    }
    return writer;
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    const now = Date.now();
    const bctx = this.bucketCtx;
    bctx.currentProcessingTime = now;
    bctx.currentWatermark = ctx.currentWatermark;
    if (ctx.currentWatermark !== undefined) this.watermark = ctx.currentWatermark;
    const assigner = this.deps.assigner;
    // A batch usually goes to one bucket (a base-path assigner, a day's partition): it is written as
    // it is, and only a batch that spans buckets is copied into one group each. Consecutive records
    // usually share a bucket, so grouping needs no map lookup per record.
    let firstId: string | undefined;
    let groups: Map<string, T[]> | undefined;
    let lastId: string | undefined;
    let lastGroup: T[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i] as T;
      bctx.timestamp = ctx.timestamp(i);
      const id = assigner.getBucketId(record, bctx);
      if (i === 0) firstId = id;
      if (groups === undefined) {
        if (id === firstId) continue;
        lastId = firstId as string;
        lastGroup = batch.slice(0, i);
        groups = new Map([[lastId, lastGroup]]);
      }
      if (id !== lastId || lastGroup === undefined) {
        lastId = id;
        lastGroup = groups.get(id);
        if (lastGroup === undefined) {
          lastGroup = [];
          groups.set(id, lastGroup);
        }
      }
      lastGroup.push(record);
    }
    if (groups === undefined) {
      if (firstId !== undefined) await this.writeToBucket(firstId, batch, now);
    } else {
      for (const [id, records] of groups) await this.writeToBucket(id, records, now);
    }
    this.deps.ctx.metricGroup.numRecordsSend.inc(batch.length);
    if (
      now - this.lastInactivityScan >=
      Math.min(INACTIVITY_SCAN_MS, this.deps.options.inactivityIntervalMs)
    ) {
      this.lastInactivityScan = now;
      await this.rollDue(now);
    }
  }

  writeWatermark(watermark: number): void {
    this.watermark = watermark;
  }

  async flush(endOfInput: boolean): Promise<void> {
    if (endOfInput) this.inputEnded = true;
    const guarantee = this.deps.options.deliveryGuarantee;
    // exactly-once rolls in prepareCommit (the committables belong to that checkpoint).
    if (guarantee === 'exactly-once') return;
    if (guarantee === 'at-least-once' || endOfInput) await this.rollAll();
    else await this.rollDue(Date.now());
  }

  async prepareCommit(): Promise<FileCommittable[]> {
    if (this.deps.options.deliveryGuarantee === 'exactly-once') await this.rollAll();
    for (const dir of this.dirtyDirs) await fsyncDirectory(dir);
    this.dirtyDirs.clear();
    await this.addMarkerCommittables();
    return this.pendingCommittables.splice(0);
  }

  async snapshotState(): Promise<FileWriterState[]> {
    return [{ markerBuckets: [...this.markerBuckets] }];
  }

  /** Abandons open part files (they are orphans now; deleted here or by the next attempt). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const bucket of this.buckets.values()) {
      const part = bucket.part;
      bucket.part = undefined;
      if (!part) continue;
      await part.output.abandon();
      await unlinkIfExists(part.path).catch(() => undefined);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async writeToBucket(id: string, records: readonly T[], now: number): Promise<void> {
    const bucket = this.buckets.get(id) ?? (await this.openBucket(id));
    if (bucket.part && this.rollDueBeforeWrite(bucket.part, now)) await this.roll(bucket);
    const part = bucket.part ?? (await this.openPart(bucket, now));
    await part.writer.writeBatch(records);
    part.lastWriteAt = now;
    this.countBytes(part);
    if (this.deps.options.successMarker.enabled) this.markerBuckets.add(id);
    if (part.output.bytesWritten >= this.deps.options.maxPartSizeBytes) await this.roll(bucket);
  }

  private rollDueBeforeWrite(part: OpenPart<T>, now: number): boolean {
    const o = this.deps.options;
    return part.output.bytesWritten >= o.maxPartSizeBytes || now - part.openedAt >= o.rolloverIntervalMs;
  }

  /** Rolls parts whose open time or inactivity passed its limit. */
  private async rollDue(now: number): Promise<void> {
    const o = this.deps.options;
    for (const bucket of this.buckets.values()) {
      const part = bucket.part;
      if (!part) continue;
      if (now - part.lastWriteAt >= o.inactivityIntervalMs || now - part.openedAt >= o.rolloverIntervalMs) {
        await this.roll(bucket);
      }
    }
    this.forgetIdleBuckets();
  }

  private async rollAll(): Promise<void> {
    for (const bucket of this.buckets.values()) if (bucket.part) await this.roll(bucket);
    this.forgetIdleBuckets();
  }

  /** Buckets without an open file are dropped so the map does not grow with every hour ever written. */
  private forgetIdleBuckets(): void {
    for (const [id, bucket] of this.buckets) if (!bucket.part) this.buckets.delete(id);
  }

  private async openBucket(id: string): Promise<Bucket<T>> {
    const dir = id === '' ? this.deps.basePath : join(this.deps.basePath, id);
    if (!this.knownDirs.has(dir)) {
      validateBucketId(id);
      let created: string | undefined;
      try {
        created = await mkdir(dir, { recursive: true });
      } catch (error) {
        throw ioError('mkdir', dir, error);
      }
      // New directories must survive a power loss together with the pending files in them:
      // their parents' entries are fsynced with the next prepareCommit.
      if (created !== undefined) {
        for (let d = dir; d.length >= created.length && d !== dirname(d); d = dirname(d))
          this.dirtyDirs.add(dirname(d));
      }
      // Buckets reopen after every checkpoint; remember created directories (bounded) to skip mkdir.
      if (this.knownDirs.size >= KNOWN_DIRS_LIMIT) this.knownDirs.clear();
      this.knownDirs.add(dir);
    }
    const bucket: Bucket<T> = { id, dir, part: undefined };
    this.buckets.set(id, bucket);
    return bucket;
  }

  private async openPart(bucket: Bucket<T>, now: number): Promise<OpenPart<T>> {
    const { format, options, ctx } = this.deps;
    const naming = {
      partPrefix: options.partPrefix,
      partSuffix: options.partSuffix,
      extension: format.extension,
    };
    const finalName = finalPartName(naming, this.runId, ctx.subtaskId, this.counter++);
    const path = join(
      bucket.dir,
      hiddenPartName(finalName, this.jobTag, ctx.subtaskId, this.runId, 'inprogress'),
    );
    const output = await LocalFileOutput.create(path);
    const part: OpenPart<T> = {
      finalName,
      path,
      output,
      writer: format.createWriter(output),
      openedAt: now,
      lastWriteAt: now,
      countedBytes: 0,
    };
    bucket.part = part;
    return part;
  }

  /** Finishes the bucket's open part and makes it pending (exactly-once) or visible (otherwise). */
  private async roll(bucket: Bucket<T>): Promise<void> {
    const part = bucket.part;
    if (!part) return;
    bucket.part = undefined;
    await part.writer.finish();
    await part.output.sync();
    await part.output.close();
    this.countBytes(part);
    const { ctx, options } = this.deps;
    if (options.deliveryGuarantee === 'exactly-once') {
      const pendingName = hiddenPartName(part.finalName, this.jobTag, ctx.subtaskId, this.runId, 'pending');
      const pendingPath = join(bucket.dir, pendingName);
      try {
        await rename(part.path, pendingPath);
      } catch (error) {
        throw ioError('rename to pending', part.path, error);
      }
      this.dirtyDirs.add(bucket.dir);
      this.pendingCommittables.push({
        kind: 'file',
        bucketId: bucket.id,
        pendingName,
        finalName: part.finalName,
        sizeBytes: part.output.bytesWritten,
      });
      return;
    }
    const target = join(bucket.dir, part.finalName);
    try {
      await publishFile(part.path, target);
      await fsyncDirectory(bucket.dir);
    } catch (error) {
      throw ioError('publish', target, error);
    }
  }

  private countBytes(part: OpenPart<T>): void {
    const delta = part.output.bytesWritten - part.countedBytes;
    if (delta > 0) {
      part.countedBytes += delta;
      this.deps.ctx.metricGroup.numBytesSend.inc(delta);
    }
  }

  /** `_SUCCESS` bookkeeping: progress of time buckets at checkpoints, the bucket list at end of input. */
  private async addMarkerCommittables(): Promise<void> {
    const { options, assigner, ctx } = this.deps;
    if (!options.successMarker.enabled) return;
    const base = { subtask: ctx.subtaskId, parallelism: ctx.parallelism };
    if (this.inputEnded) {
      this.pendingCommittables.push({ kind: 'end-of-input', ...base, buckets: [...this.markerBuckets] });
      return;
    }
    if (assigner.timeDomain === undefined) return;
    const progress = assigner.timeDomain === 'processing' ? Date.now() : this.watermark;
    if (progress !== undefined) {
      // A bucket reported complete must have no open file (only possible with 'none'): publish it now.
      for (const bucket of this.buckets.values()) {
        const end = bucket.part ? assigner.bucketEndTime?.(bucket.id) : undefined;
        if (end !== undefined && end + options.successMarker.delayMs <= progress) await this.roll(bucket);
      }
      await this.forgetMarkedBuckets(progress);
    }
    this.pendingCommittables.push({
      kind: 'progress',
      ...base,
      progressMs: progress === undefined || !Number.isFinite(progress) ? null : progress,
      buckets: [...this.markerBuckets],
    });
  }

  /** Drops time buckets whose range passed and whose marker exists, so the set stays small. */
  private async forgetMarkedBuckets(progress: number): Promise<void> {
    const { options, assigner, basePath } = this.deps;
    for (const id of this.markerBuckets) {
      const end = assigner.bucketEndTime?.(id);
      if (end === undefined || end + options.successMarker.delayMs > progress) continue;
      if (await exists(join(basePath, id, options.successMarker.fileName))) this.markerBuckets.delete(id);
    }
  }
}
