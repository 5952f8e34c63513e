import type { FileFormat, SplitEnumerator, SplitEnumeratorContext } from '@tributary/core';
import { type DiscoveredFile, discoverFiles } from './file-discovery.js';
import type { ResolvedFileSourceOptions } from './file-source-options.js';
import type { FileSourceSplit } from './file-source-split.js';
import { splitFile } from './file-splitter.js';
import { SeenFiles, type SeenFilesSnapshot } from './seen-files.js';

/** The enumerator's checkpoint. */
export interface FileEnumeratorState {
  /** Splits discovered and not assigned yet. */
  readonly pendingSplits: readonly FileSourceSplit[];
  /** Bounded mode: the one listing finished (pendingSplits is all that is left). */
  readonly discoveryDone: boolean;
  /** Continuous mode: files already enumerated (compacted, see {@link SeenFiles}). */
  readonly seen: SeenFilesSnapshot | null;
  /** Newest modification time of the files enumerated. */
  readonly maxModificationTime: number | null;
}

/** What a bounded file source reports to the next source of a hybrid source. */
export interface FileSourceEndPosition {
  /** Newest modification time (ms) of the files read, or undefined when none. */
  readonly maxModificationTime: number | undefined;
}

export interface FileSplitEnumeratorDeps {
  readonly roots: readonly string[];
  readonly format: FileFormat<unknown>;
  readonly options: ResolvedFileSourceOptions;
  readonly accept: (relativePath: string) => boolean;
}

/**
 * Discovers files and hands their splits to readers that ask (pull-based, Flink's
 * `StaticFileSplitEnumerator` / `ContinuousFileSplitEnumerator`). Bounded: one listing, then each
 * reader that asks while nothing is left is told "no more splits". Continuous: lists every
 * `monitorIntervalMs` and keeps waiting readers until new files appear. Listing runs off the
 * enumerator loop (`ctx.callAsync`); its result is applied on it.
 */
export class FileSplitEnumerator implements SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
  private readonly pending: FileSourceSplit[];
  /** Readers waiting for a split, in request order (one entry per reader). */
  private readonly waiting: number[] = [];
  private readonly seen: SeenFiles | undefined;
  private readonly continuous: boolean;
  private discoveryDone: boolean;
  /** True once the files were listed (or restored): the unassigned count is known. */
  private listed: boolean;
  private maxModificationTime: number | undefined;

  constructor(
    private readonly ctx: SplitEnumeratorContext<FileSourceSplit>,
    private readonly deps: FileSplitEnumeratorDeps,
    state?: FileEnumeratorState,
  ) {
    this.continuous = deps.options.monitorIntervalMs !== undefined;
    this.pending = [...(state?.pendingSplits ?? [])];
    this.listed = state !== undefined;
    this.discoveryDone = state?.discoveryDone ?? false;
    this.maxModificationTime = state?.maxModificationTime ?? undefined;
    if (this.continuous)
      this.seen = new SeenFiles(deps.options.seenFilesRetentionMs, state?.seen ?? undefined);
  }

  start(): void {
    // Unknown (no value) until the first listing, not 0: a restored state is known already.
    this.ctx.metricGroup.setUnassignedSplitsGauge(() => (this.listed ? this.pending.length : undefined));
    const list = () => this.list();
    const apply = (files: DiscoveredFile[] | undefined, error: unknown) => this.onDiscovered(files, error);
    if (this.continuous) {
      this.ctx.callAsync(list, apply, {
        initialDelayMs: 0,
        periodMs: this.deps.options.monitorIntervalMs as number,
      });
    } else if (!this.discoveryDone) {
      this.ctx.callAsync(list, apply);
    }
  }

  handleSplitRequest(subtaskId: number): void {
    if (!this.waiting.includes(subtaskId)) this.waiting.push(subtaskId);
    this.serveWaiting();
  }

  addSplitsBack(splits: readonly FileSourceSplit[], _subtaskId: number): void {
    this.pending.unshift(...splits);
    this.serveWaiting();
  }

  addReader(): void {
    // Pull-based: readers ask for splits themselves.
  }

  snapshotState(): FileEnumeratorState {
    return {
      pendingSplits: [...this.pending],
      discoveryDone: this.discoveryDone,
      seen: this.seen?.snapshot() ?? null,
      maxModificationTime: this.maxModificationTime ?? null,
    };
  }

  endPosition(): FileSourceEndPosition {
    return { maxModificationTime: this.maxModificationTime };
  }

  /** Files remembered individually (continuous mode), for tests and monitoring. */
  get seenFileCount(): number {
    return this.seen?.size ?? 0;
  }

  async close(): Promise<void> {}

  private list(): Promise<DiscoveredFile[]> {
    return discoverFiles(this.deps.roots, {
      recursive: this.deps.options.recursive,
      accept: this.deps.accept,
      tolerateMissing: this.continuous,
    });
  }

  private onDiscovered(files: DiscoveredFile[] | undefined, error: unknown): void {
    if (error !== undefined || files === undefined) {
      if (!this.continuous) {
        this.ctx.failJob(error);
        return;
      }
      // The next round may succeed (a directory being replaced, a transient I/O error).
      this.ctx.logger.warn({ err: error }, 'file discovery failed; retrying at the next interval');
      return;
    }
    for (const file of files) {
      if (this.seen && !this.seen.markIfNew(file.path, file.modificationTime)) continue;
      if (this.maxModificationTime === undefined || file.modificationTime > this.maxModificationTime) {
        this.maxModificationTime = file.modificationTime;
      }
      this.pending.push(...splitFile(file, this.deps.format, this.deps.options));
    }
    this.seen?.compact();
    this.listed = true;
    if (!this.continuous) this.discoveryDone = true;
    this.serveWaiting();
  }

  private serveWaiting(): void {
    while (this.waiting.length > 0 && this.pending.length > 0) {
      this.ctx.assignSplit(this.pending.shift() as FileSourceSplit, this.waiting.shift() as number);
    }
    if (!this.continuous && this.discoveryDone && this.pending.length === 0) {
      for (const subtask of this.waiting.splice(0)) this.ctx.signalNoMoreSplits(subtask);
    }
  }
}
