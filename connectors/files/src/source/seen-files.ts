/** The checkpointed form of {@link SeenFiles}. */
export interface SeenFilesSnapshot {
  /** Files modified before this (ms) count as seen; null until the first compaction. */
  readonly cutoffMs: number | null;
  /** Individually remembered files, each with its modification time. */
  readonly paths: readonly (readonly [string, number])[];
  readonly maxModificationTime: number | null;
}

/**
 * The continuous source's memory of files already enumerated, kept bounded: individual paths are
 * remembered only for files modified within `retentionMs` before the newest modification time
 * seen; anything older than that cutoff counts as seen without being listed. So the state holds
 * the files of one retention window, not every file ever read.
 *
 * The trade-off (documented for users): a file that shows up late with a modification time older
 * than the cutoff (e.g. moved in with `mv` after a long upload, or copied with `cp -p`) is skipped.
 * Pick a retention longer than the time files take to appear after their last modification.
 */
export class SeenFiles {
  private readonly paths = new Map<string, number>();
  private cutoff: number | undefined;
  private maxTime: number | undefined;

  constructor(
    private readonly retentionMs: number,
    snapshot?: SeenFilesSnapshot,
  ) {
    if (snapshot) {
      for (const [path, time] of snapshot.paths) this.paths.set(path, time);
      this.cutoff = snapshot.cutoffMs ?? undefined;
      this.maxTime = snapshot.maxModificationTime ?? undefined;
    }
  }

  /** Newest modification time seen (for the hybrid source's end position). */
  get maxModificationTime(): number | undefined {
    return this.maxTime;
  }

  /** Paths remembered individually (what the state costs). */
  get size(): number {
    return this.paths.size;
  }

  /** True for a file not seen before; it is remembered from now on. */
  markIfNew(path: string, modificationTime: number): boolean {
    if (this.cutoff !== undefined && modificationTime < this.cutoff) return false;
    if (this.paths.has(path)) return false;
    this.paths.set(path, modificationTime);
    if (this.maxTime === undefined || modificationTime > this.maxTime) this.maxTime = modificationTime;
    return true;
  }

  /** Moves the cutoff to `newest - retention` and forgets the paths before it. */
  compact(): void {
    if (this.maxTime === undefined) return;
    const cutoff = this.maxTime - this.retentionMs;
    if (this.cutoff !== undefined && cutoff <= this.cutoff) return;
    this.cutoff = cutoff;
    for (const [path, time] of this.paths) if (time < cutoff) this.paths.delete(path);
  }

  snapshot(): SeenFilesSnapshot {
    return {
      cutoffMs: this.cutoff ?? null,
      paths: [...this.paths],
      maxModificationTime: this.maxTime ?? null,
    };
  }
}
