import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { fsyncDirectory, isTributaryError, TributaryError, writeFileAtomically } from '@tributary/core';
import { FilesErrorCodes } from '../files-error-codes.js';

/** Node error codes where trying the same file operation again may succeed. */
const TRANSIENT_FS_CODES = new Set(['EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT', 'EIO']);

/** The `code` of a Node system error, if any. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps a file system error into `TRIB_FILES_IO`, naming the operation and path (TributaryErrors pass through). */
export function ioError(operation: string, path: string, cause: unknown): TributaryError {
  if (isTributaryError(cause)) return cause;
  const code = errnoCode(cause);
  return new TributaryError(
    FilesErrorCodes.IO,
    `${operation} failed for ${path}${code ? ` (${code})` : ''}`,
    {
      cause,
      retriable: code !== undefined && TRANSIENT_FS_CODES.has(code),
      context: { path, operation, ...(code ? { errno: code } : {}) },
    },
  );
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Deletes a file; a missing file is fine (idempotent cleanup). */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** What {@link publishFile} found. */
export type PublishResult = 'published' | 'already' | 'missing';

/**
 * Makes `source` visible as `target` without ever overwriting an existing `target`: a hard link
 * (atomic, fails when the target exists) followed by unlinking the source. Idempotent: a target
 * that exists means an earlier call (perhaps interrupted before the unlink) already did it. File
 * systems without hard links fall back to check-then-rename, which is safe because one committer
 * publishes a given file at a time.
 */
export async function publishFile(source: string, target: string): Promise<PublishResult> {
  try {
    await link(source, target);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') {
      await unlinkIfExists(source);
      return 'already';
    }
    if (code === 'ENOENT') return (await exists(target)) ? 'already' : 'missing';
    if (
      code !== 'EPERM' &&
      code !== 'ENOTSUP' &&
      code !== 'EOPNOTSUPP' &&
      code !== 'ENOSYS' &&
      code !== 'EXDEV'
    ) {
      throw error;
    }
    if (await exists(target)) {
      await unlinkIfExists(source);
      return 'already';
    }
    try {
      await rename(source, target);
    } catch (renameError) {
      if (errnoCode(renameError) === 'ENOENT') return (await exists(target)) ? 'already' : 'missing';
      throw renameError;
    }
    return 'published';
  }
  await unlinkIfExists(source);
  return 'published';
}

/** Creates an empty file unless it exists (markers); true when this call created it. */
export async function createEmptyFileIfAbsent(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    await handle.sync();
    await handle.close();
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
}

export { fsyncDirectory, writeFileAtomically };
