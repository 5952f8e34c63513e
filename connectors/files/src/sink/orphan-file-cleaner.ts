import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, unlinkIfExists } from '../fs/fs-utils.js';
import { parseHiddenPartName } from './part-file-naming.js';

/** Whose orphans a starting writer may delete. */
export interface OrphanScope {
  readonly basePath: string;
  readonly jobTag: string;
  /** The starting writer's subtask and the job's parallelism. */
  readonly subtask: number;
  readonly parallelism: number;
  /** The starting writer's own run id (its files are never orphans). */
  readonly runId: string;
}

/**
 * Deletes hidden in-progress and pending part files that earlier attempts of the same job left
 * behind for this subtask (subtask 0 also takes the subtasks that no longer exist after a scale
 * down). It runs when a writer starts, which is after the runtime re-committed every committable of
 * the restored checkpoint (the commit step runs before any writer starts): a pending file still
 * here belongs to a checkpoint that never completed, and its records will be written again.
 *
 * Files of other jobs (another job tag) and of other subtasks are never touched, so jobs sharing a
 * base path and the other subtasks of this attempt are safe. Hidden directories are not entered.
 * Returns the deleted paths.
 */
export async function cleanupOrphanPartFiles(scope: OrphanScope): Promise<string[]> {
  const deleted: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(join(dir, entry.name));
        continue;
      }
      if (!entry.isFile() || !entry.name.startsWith('.')) continue;
      const parsed = parseHiddenPartName(entry.name);
      if (!parsed || parsed.jobTag !== scope.jobTag || parsed.runId === scope.runId) continue;
      const mine =
        parsed.subtask === scope.subtask || (scope.subtask === 0 && parsed.subtask >= scope.parallelism);
      if (!mine) continue;
      const path = join(dir, entry.name);
      if (await unlinkIfExists(path)) deleted.push(path);
    }
  };
  await walk(scope.basePath);
  return deleted;
}
