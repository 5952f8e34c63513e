import { join } from 'node:path';
import {
  type CommitRequest,
  type Committer,
  CoreErrorCodes,
  type FileFormat,
  type FileWriterFormat,
  isRetriable,
  type Logger,
  TributaryError,
} from '@tributary/core';
import { FilesErrorCodes } from '../files-error-codes.js';
import { exists, fsyncDirectory, ioError, publishFile } from '../fs/fs-utils.js';
import type { BucketAssigner } from './bucket-assigners.js';
import type { FileCommittable } from './file-committable.js';
import { FileCompactor } from './file-compactor.js';
import type { ResolvedFileSinkOptions } from './file-sink-options.js';
import { jobTagOf } from './part-file-naming.js';
import { SuccessMarkerWriter } from './success-marker-writer.js';

type FileEntry = Extract<FileCommittable, { kind: 'file' }>;
type Req<C> = CommitRequest<C>;

export interface FileCommitterDeps<T> {
  readonly basePath: string;
  readonly format: FileWriterFormat<T>;
  readonly compactionFormat: FileFormat<T> | undefined;
  readonly options: ResolvedFileSinkOptions;
  readonly assigner: BucketAssigner<T>;
  readonly jobId: string;
  readonly logger: Logger;
}

/**
 * Publishes pending part files once their checkpoint completed (runs on the coordinator).
 *
 * Idempotent by construction, because the runtime commits the restored checkpoint's committables
 * again after every restore: a final file that exists means "already committed" (and a leftover
 * pending name is removed); publishing is a hard link that never overwrites. A pending file that is
 * gone while its final file does not exist is lost data and fails the job — except with compaction,
 * where a small file may legitimately have been merged into a compacted file by an earlier commit.
 *
 * `close()` waits for a running commit, so a restarted job never commits concurrently with the
 * committer of the attempt before it.
 */
export class FileCommitter<T> implements Committer<FileCommittable> {
  private readonly compactor: FileCompactor<T> | undefined;
  private readonly markers: SuccessMarkerWriter | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: FileCommitterDeps<T>) {
    const jobTag = jobTagOf(deps.jobId);
    if (deps.options.compaction.enabled) {
      this.compactor = new FileCompactor({
        format: deps.format,
        compactionFormat: deps.compactionFormat,
        options: deps.options,
        jobTag,
      });
    }
    if (deps.options.successMarker.enabled) {
      this.markers = new SuccessMarkerWriter({
        basePath: deps.basePath,
        jobTag,
        options: deps.options,
        assigner: deps.assigner as BucketAssigner<never>,
        logger: deps.logger,
      });
    }
  }

  commit(requests: readonly Req<FileCommittable>[]): Promise<void> {
    if (this.closed) {
      return Promise.reject(new TributaryError(CoreErrorCodes.CLOSED, 'FileCommitter used after close()'));
    }
    const run = this.running.then(() => this.commitNow(requests));
    this.running = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async commitNow(requests: readonly Req<FileCommittable>[]): Promise<void> {
    const byBucket = new Map<string, Req<FileEntry>[]>();
    const progress: Extract<FileCommittable, { kind: 'progress' }>[] = [];
    const ends: Extract<FileCommittable, { kind: 'end-of-input' }>[] = [];
    const markerRequests: Req<FileCommittable>[] = [];
    for (const request of requests) {
      const c = request.committable;
      if (c.kind === 'file') {
        const list = byBucket.get(c.bucketId) ?? [];
        list.push(request as Req<FileEntry>);
        byBucket.set(c.bucketId, list);
      } else {
        markerRequests.push(request);
        if (c.kind === 'progress') progress.push(c);
        else ends.push(c);
      }
    }
    const failedBuckets = new Set<string>();
    for (const [bucketId, list] of byBucket) {
      const ok = await this.commitBucket(bucketId, list);
      if (!ok) failedBuckets.add(bucketId);
    }
    if (!this.markers || markerRequests.length === 0) return;
    try {
      await this.markers.handle(progress, ends, failedBuckets);
    } catch (error) {
      for (const request of markerRequests)
        this.fail(request, ioError('write success marker', this.deps.basePath, error));
    }
  }

  /** Commits one bucket's files; false when any of them did not commit. */
  private async commitBucket(bucketId: string, requests: Req<FileEntry>[]): Promise<boolean> {
    const dir = bucketId === '' ? this.deps.basePath : join(this.deps.basePath, bucketId);
    let ok = true;
    let plain = requests;
    if (this.compactor) {
      const compacted = await this.compactBucket(dir, requests);
      ok = compacted.ok;
      plain = compacted.rest;
    }
    let published = false;
    for (const request of plain) {
      const result = await this.publish(dir, request);
      if (result === 'failed') ok = false;
      if (result === 'published') published = true;
    }
    if (published) await fsyncDirectory(dir).catch(() => undefined);
    return ok;
  }

  /** Merges groups of small files; returns the requests left for a plain publish. */
  private async compactBucket(
    dir: string,
    requests: Req<FileEntry>[],
  ): Promise<{ ok: boolean; rest: Req<FileEntry>[] }> {
    const compactor = this.compactor as FileCompactor<T>;
    const { smallFileSizeBytes, minFiles } = this.deps.options.compaction;
    await compactor.recover(dir);
    const rest: Req<FileEntry>[] = [];
    const small: { pendingName: string; sizeBytes: number; request: Req<FileEntry> }[] = [];
    for (const request of requests) {
      const c = request.committable;
      // A pending file that is gone is handled (already / lost) by the plain path.
      if (c.sizeBytes < smallFileSizeBytes && (await exists(join(dir, c.pendingName)))) {
        small.push({ pendingName: c.pendingName, sizeBytes: c.sizeBytes, request });
      } else {
        rest.push(request);
      }
    }
    let ok = true;
    for (const group of compactor.plan(small)) {
      if (group.length < minFiles) {
        rest.push(...group.map((g) => g.request));
        continue;
      }
      try {
        const target = await compactor.merge(
          dir,
          group.map((g) => g.pendingName),
        );
        this.deps.logger.debug({ dir, target, files: group.length }, 'compacted small part files');
      } catch (error) {
        ok = false;
        for (const g of group) this.fail(g.request, ioError('compact', dir, error));
      }
    }
    return { ok, rest };
  }

  private async publish(dir: string, request: Req<FileEntry>): Promise<'published' | 'already' | 'failed'> {
    const c = request.committable;
    const target = join(dir, c.finalName);
    let result: Awaited<ReturnType<typeof publishFile>>;
    try {
      result = await publishFile(join(dir, c.pendingName), target);
    } catch (error) {
      this.fail(request, ioError('publish', target, error));
      return 'failed';
    }
    if (result === 'published') return 'published';
    if (result === 'already') {
      request.signalAlreadyCommitted();
      return 'already';
    }
    if (this.compactor && c.sizeBytes < this.deps.options.compaction.smallFileSizeBytes) {
      // Merged into a compacted file by an earlier (interrupted or repeated) commit.
      request.signalAlreadyCommitted();
      return 'already';
    }
    request.signalFailedWithUnknownReason(
      new TributaryError(
        FilesErrorCodes.PENDING_FILE_MISSING,
        `Pending file ${c.pendingName} and committed file ${c.finalName} are both missing in ${dir}; the data of this part file was removed outside the sink`,
        { context: { file: target, bucket: c.bucketId } },
      ),
    );
    return 'failed';
  }

  private fail(request: Req<FileCommittable>, error: TributaryError): void {
    if (isRetriable(error)) request.retryLater();
    else request.signalFailedWithUnknownReason(error);
  }
}
