import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileFormat, FileWriterFormat } from '@tributary/core';
import { exists, fsyncDirectory, publishFile, unlinkIfExists, writeFileAtomically } from '../fs/fs-utils.js';
import { LocalFileInput } from '../fs/local-file-input.js';
import { LocalFileOutput } from '../fs/local-file-output.js';
import type { ResolvedFileSinkOptions } from './file-sink-options.js';
import { newRunId } from './part-file-naming.js';

/** A pending part file to merge. */
export interface CompactionSource {
  readonly pendingName: string;
  readonly sizeBytes: number;
}

/** What a compaction manifest records, so an interrupted merge can be rolled forward or back. */
interface CompactionManifest {
  readonly targetName: string;
  readonly tempName: string;
  readonly sources: readonly string[];
}

export interface FileCompactorDeps<T> {
  readonly format: FileWriterFormat<T>;
  /** Re-encodes records when set; byte concatenation otherwise (row formats only). */
  readonly compactionFormat: FileFormat<T> | undefined;
  readonly options: ResolvedFileSinkOptions;
  readonly jobTag: string;
}

/**
 * Merges the small pending files of one bucket into one committed file, before any of them becomes
 * visible (so readers never see both the small files and the merged one).
 *
 * Crash safety: a hidden manifest is written first, then a hidden temp file with the merged bytes,
 * then the temp is published under the target name (hard link, atomic), then the sources and the
 * manifest are deleted. {@link recover} finishes an interrupted merge from its manifest: target
 * visible → delete the leftover sources; otherwise → delete the temp (the sources are intact and are
 * merged again). Sources are deleted only after the target is visible, so no data is lost.
 */
export class FileCompactor<T> {
  constructor(private readonly deps: FileCompactorDeps<T>) {}

  /** Splits a bucket's small files into merge groups by target size (sorted by name for stable groups). */
  plan<S extends CompactionSource>(files: readonly S[]): S[][] {
    const { targetFileSizeBytes } = this.deps.options.compaction;
    const groups: S[][] = [];
    let current: S[] = [];
    let size = 0;
    for (const file of [...files].sort((a, b) => (a.pendingName < b.pendingName ? -1 : 1))) {
      if (current.length > 0 && size + file.sizeBytes > targetFileSizeBytes) {
        groups.push(current);
        current = [];
        size = 0;
      }
      current.push(file);
      size += file.sizeBytes;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }

  /** Merges `sources` (pending names in `dir`) into one new committed file; returns its name. */
  async merge(dir: string, sources: readonly string[]): Promise<string> {
    const { format, options, jobTag } = this.deps;
    const id = newRunId();
    const targetName = `${options.partPrefix}-${id}-compacted${options.partSuffix}${format.extension}`;
    const tempName = `.${targetName}.tr-${jobTag}.compacting`;
    const manifestPath = join(dir, `.compaction-${id}.tr-${jobTag}.manifest`);
    const manifest: CompactionManifest = { targetName, tempName, sources };
    await writeFileAtomically(manifestPath, JSON.stringify(manifest));
    const output = await LocalFileOutput.create(join(dir, tempName));
    try {
      if (this.deps.compactionFormat) await this.recode(dir, sources, output);
      else await concatenate(dir, sources, output);
      await output.sync();
    } finally {
      await output.close();
    }
    await publishFile(join(dir, tempName), join(dir, targetName));
    await fsyncDirectory(dir);
    for (const source of sources) await unlinkIfExists(join(dir, source));
    await fsyncDirectory(dir);
    await unlinkIfExists(manifestPath);
    return targetName;
  }

  /** Finishes or undoes merges of this job that a crash interrupted in `dir`. */
  async recover(dir: string): Promise<void> {
    const suffix = `.tr-${this.deps.jobTag}.manifest`;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith('.compaction-') || !name.endsWith(suffix)) continue;
      const path = join(dir, name);
      let manifest: CompactionManifest;
      try {
        manifest = JSON.parse(await readFile(path, 'utf8')) as CompactionManifest;
      } catch {
        // Manifests are written atomically; an unreadable one is not ours to interpret.
        continue;
      }
      if (await exists(join(dir, manifest.targetName))) {
        for (const source of manifest.sources) await unlinkIfExists(join(dir, source));
      }
      await unlinkIfExists(join(dir, manifest.tempName));
      await fsyncDirectory(dir);
      await unlinkIfExists(path);
    }
  }

  private async recode(dir: string, sources: readonly string[], output: LocalFileOutput): Promise<void> {
    const reader = this.deps.compactionFormat as FileFormat<T>;
    const writer = this.deps.format.createWriter(output);
    for (const source of sources) {
      const input = await LocalFileInput.open(join(dir, source), { compression: 'none' });
      const records = reader.createReader(input, { start: 0, end: undefined });
      try {
        for (let batch = await records.readBatch(); batch !== null; batch = await records.readBatch()) {
          if (batch.records.length > 0) await writer.writeBatch(batch.records);
        }
      } finally {
        await records.close();
      }
    }
    await writer.finish();
  }
}

async function concatenate(dir: string, sources: readonly string[], output: LocalFileOutput): Promise<void> {
  for (const source of sources) {
    const stream = createReadStream(join(dir, source), { highWaterMark: 256 * 1024 });
    for await (const chunk of stream) await output.write(chunk as Buffer);
  }
}
