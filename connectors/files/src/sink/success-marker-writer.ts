import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { createEmptyFileIfAbsent, errnoCode, fsyncDirectory, writeFileAtomically } from '../fs/fs-utils.js';
import type { BucketAssigner } from './bucket-assigners.js';
import type { FileCommittable } from './file-committable.js';
import type { ResolvedFileSinkOptions } from './file-sink-options.js';

type ProgressCommittable = Extract<FileCommittable, { kind: 'progress' }>;
type EndCommittable = Extract<FileCommittable, { kind: 'end-of-input' }>;

/** Directory (under the base path) for this connector's bookkeeping; hidden, so readers skip it. */
export const BOOKKEEPING_DIR = '.tributary';

export interface SuccessMarkerWriterDeps {
  readonly basePath: string;
  readonly jobTag: string;
  readonly options: ResolvedFileSinkOptions;
  readonly assigner: BucketAssigner<never>;
  readonly logger: Logger;
}

/**
 * Writes `_SUCCESS` markers (part of the commit step). A bucket is complete when
 *
 * 1. **every** subtask reached the end of its input (bounded input, or stop-with-savepoint with
 *    drain): then every bucket any subtask wrote gets a marker; or
 * 2. for time buckets (a date-time assigner), every subtask's progress passed the bucket's end plus
 *    `delayMs`: processing time at the checkpoint for processing-time buckets, the watermark for
 *    event-time buckets. Records later than the watermark may still arrive in a marked bucket.
 *
 * Rule 1 needs to know which subtasks ended even across restarts, so each end of input is recorded
 * as a small file `<base>/.tributary/<jobTag>/end-<parallelism>-<subtask>.json` (written only after
 * the checkpoint holding it completed, so a later restore never rewinds past it). Rule 2 keeps the
 * progress in memory: every running writer reports it at every checkpoint, and restored writers
 * report their unmarked buckets again. Markers are written after the data files of the same commit
 * and never for a bucket whose files failed to commit in this call.
 */
export class SuccessMarkerWriter {
  private readonly progress = new Map<number, Map<number, number>>();
  private readonly awaiting = new Map<string, number>();
  private readonly endedInMemory = new Map<number, Set<number>>();
  private readonly completedParallelism = new Set<number>();
  private latestParallelism: number | undefined;

  constructor(private readonly deps: SuccessMarkerWriterDeps) {}

  private get trackerDir(): string {
    return join(this.deps.basePath, BOOKKEEPING_DIR, this.deps.jobTag);
  }

  /** Records ends of input (durably) and progress, then writes the markers that became due. */
  async handle(
    progress: readonly ProgressCommittable[],
    ends: readonly EndCommittable[],
    failedBuckets: ReadonlySet<string>,
  ): Promise<void> {
    for (const end of ends) await this.recordEnd(end);
    for (const p of progress) this.recordProgress(p);
    if (this.endedInMemory.size > 0) await this.markEndedBuckets(failedBuckets);
    if (this.awaiting.size > 0) await this.markTimeBuckets(failedBuckets);
  }

  private async recordEnd(end: EndCommittable): Promise<void> {
    await mkdir(this.trackerDir, { recursive: true });
    const path = join(this.trackerDir, `end-${end.parallelism}-${end.subtask}.json`);
    await writeFileAtomically(path, JSON.stringify({ buckets: end.buckets }));
    let set = this.endedInMemory.get(end.parallelism);
    if (!set) {
      set = new Set();
      this.endedInMemory.set(end.parallelism, set);
    }
    set.add(end.subtask);
    this.latestParallelism = end.parallelism;
  }

  private recordProgress(p: ProgressCommittable): void {
    this.latestParallelism = p.parallelism;
    let bySubtask = this.progress.get(p.parallelism);
    if (!bySubtask) {
      bySubtask = new Map();
      this.progress.set(p.parallelism, bySubtask);
    }
    const value = p.progressMs ?? Number.NEGATIVE_INFINITY;
    bySubtask.set(p.subtask, Math.max(bySubtask.get(p.subtask) ?? Number.NEGATIVE_INFINITY, value));
    for (const bucket of p.buckets) {
      const end = this.deps.assigner.bucketEndTime?.(bucket);
      if (end !== undefined) this.awaiting.set(bucket, end);
    }
  }

  /** Reads the end-of-input records of one parallelism: subtask → buckets. */
  private async readEnds(parallelism: number): Promise<Map<number, string[]>> {
    const ends = new Map<number, string[]>();
    let names: string[];
    try {
      names = await readdir(this.trackerDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return ends;
      throw error;
    }
    const prefix = `end-${parallelism}-`;
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.json')) continue;
      const subtask = Number(name.slice(prefix.length, -'.json'.length));
      if (!Number.isInteger(subtask) || subtask < 0 || subtask >= parallelism) continue;
      const json = JSON.parse(await readFile(join(this.trackerDir, name), 'utf8')) as { buckets: string[] };
      ends.set(subtask, json.buckets);
    }
    return ends;
  }

  private async markEndedBuckets(failedBuckets: ReadonlySet<string>): Promise<void> {
    for (const parallelism of this.endedInMemory.keys()) {
      if (this.completedParallelism.has(parallelism)) continue;
      const ends = await this.readEnds(parallelism);
      if (ends.size < parallelism) continue;
      const buckets = new Set<string>();
      for (const list of ends.values()) for (const b of list) buckets.add(b);
      let allMarked = true;
      for (const bucket of buckets) {
        if (failedBuckets.has(bucket)) allMarked = false;
        else await this.writeMarker(bucket);
      }
      if (allMarked) this.completedParallelism.add(parallelism);
    }
  }

  private async markTimeBuckets(failedBuckets: ReadonlySet<string>): Promise<void> {
    const parallelism = this.latestParallelism;
    if (parallelism === undefined) return;
    const reported = this.progress.get(parallelism) ?? new Map<number, number>();
    const endedHere = this.endedInMemory.get(parallelism) ?? new Set<number>();
    let ends: Map<number, string[]> | undefined;
    let min = Number.POSITIVE_INFINITY;
    for (let subtask = 0; subtask < parallelism; subtask++) {
      if (endedHere.has(subtask)) continue;
      const value = reported.get(subtask);
      if (value !== undefined) {
        min = Math.min(min, value);
        continue;
      }
      // A subtask that reports nothing may have ended before this attempt: ask the durable record.
      ends ??= await this.readEnds(parallelism);
      if (!ends.has(subtask)) return;
    }
    const delay = this.deps.options.successMarker.delayMs;
    for (const [bucket, end] of this.awaiting) {
      if (end + delay > min || failedBuckets.has(bucket)) continue;
      await this.writeMarker(bucket);
      this.awaiting.delete(bucket);
    }
  }

  private async writeMarker(bucket: string): Promise<void> {
    const dir = bucket === '' ? this.deps.basePath : join(this.deps.basePath, bucket);
    await mkdir(dir, { recursive: true });
    if (await createEmptyFileIfAbsent(join(dir, this.deps.options.successMarker.fileName))) {
      await fsyncDirectory(dir);
      this.deps.logger.debug({ bucket }, 'bucket complete: success marker written');
    }
  }
}
