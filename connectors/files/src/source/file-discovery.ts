import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { TributaryError } from '@tributary/core';
import { FilesErrorCodes } from '../files-error-codes.js';
import { errnoCode, ioError } from '../fs/fs-utils.js';

/** A file found by listing. */
export interface DiscoveredFile {
  /** Absolute path. */
  readonly path: string;
  readonly size: number;
  /** ms since the epoch. */
  readonly modificationTime: number;
}

export interface DiscoveryOptions {
  readonly recursive: boolean;
  /** Decides on a path relative to the listed directory (`/` separators). */
  readonly accept: (relativePath: string) => boolean;
  /** Continuous mode: a missing path is empty for now (it may appear later). */
  readonly tolerateMissing: boolean;
}

/** Hidden by the usual convention of Hadoop, Hive and Spark: `.name` and `_name` (e.g. `_SUCCESS`). */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/**
 * Lists the files under `roots`, sorted by path. A root that is a file is always included; a
 * directory is walked (recursively unless told otherwise), skipping hidden files and directories
 * and applying the filter to paths relative to the root. Symbolic links are not followed into
 * directories (no cycles).
 */
export async function discoverFiles(
  roots: readonly string[],
  options: DiscoveryOptions,
): Promise<DiscoveredFile[]> {
  const found: DiscoveredFile[] = [];
  for (const root of roots) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(root);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw ioError('stat', root, error);
      if (options.tolerateMissing) continue;
      throw new TributaryError(FilesErrorCodes.PATH_NOT_FOUND, `Input path ${root} does not exist`, {
        cause: error,
        context: { path: root },
      });
    }
    if (info.isFile()) found.push({ path: root, size: info.size, modificationTime: info.mtimeMs });
    else if (info.isDirectory()) await walk(root, root, options, found);
  }
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return found;
}

async function walk(
  root: string,
  dir: string,
  options: DiscoveryOptions,
  out: DiscoveredFile[],
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // A directory deleted while listing is simply gone.
    if (errnoCode(error) === 'ENOENT') return;
    throw ioError('list', dir, error);
  }
  for (const entry of entries) {
    if (isHiddenName(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (options.recursive) await walk(root, path, options, out);
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const rel = relative(root, path).split(sep).join('/');
    if (!options.accept(rel)) continue;
    try {
      const info = await stat(path);
      if (info.isFile()) out.push({ path, size: info.size, modificationTime: info.mtimeMs });
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw ioError('stat', path, error);
    }
  }
}
