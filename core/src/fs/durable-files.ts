import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Crash-safe file primitives for checkpoints and two-phase-commit sinks: a file written with
 * {@link writeFileAtomically} either exists completely or not at all after a SIGKILL or power
 * loss, and {@link fsyncDirectory} makes created, renamed or linked entries durable.
 */

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

let warnedUnsupported = false;

/** Makes directory entries (created, renamed, linked files) durable. */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on directories; the rename or link itself is still atomic.
    // Only those documented cases are tolerated (said once per process); anything else fails.
    const code = errnoCode(error);
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'ENOTSUP') throw error;
    if (!warnedUnsupported) {
      warnedUnsupported = true;
      process.emitWarning(
        `fsync of directory ${path} is not supported by its file system (${code}): created and renamed entries are atomic but may not survive a power loss`,
        { code: 'TRIB_FSYNC_DIR_UNSUPPORTED' },
      );
    }
  } finally {
    await handle?.close();
  }
}

/** Writes a file so that it either fully exists or not at all (hidden temp file, fsync, rename). */
export async function writeFileAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
