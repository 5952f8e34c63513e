import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '../../errors/tributary-error.js';
import { fsyncDirectory } from '../../fs/durable-files.js';
import { BuiltinErrorCodes } from '../builtin-error-codes.js';

/**
 * The on-disk layout of the transactional test store (see `TwoPhaseCommitTestSink`):
 *
 * ```
 * <dir>/pending/<name>.jsonl    staging files: being written, or sealed and waiting for commit
 * <dir>/committed/<name>.jsonl  committed files: complete, immutable, the only files ever read
 * ```
 *
 * `<name>` is `<jobId>--s<subtask>--a<attempt>--r<runId>--n<seq>`: `runId` is random per writer
 * instance, so no restart (even one that reuses an attempt number) can produce a name that exists.
 * A staging file becomes a committed file by a hard link into `committed/` (atomic and never
 * overwrites) followed by unlinking the staging name, so a reader sees a file completely or not at
 * all, whenever the process is killed.
 */
export const PENDING_DIR = 'pending';
/** Subdirectory of committed files (see {@link PENDING_DIR} for the layout). */
export const COMMITTED_DIR = 'committed';

/** The parts of a store file name. */
export interface StoreFileName {
  /** The job id, with characters outside `[A-Za-z0-9._-]` replaced by `_`. */
  readonly jobId: string;
  readonly subtask: number;
  readonly attempt: number;
  readonly runId: string;
  /** Per-subtask sequence; continues across restores, so it orders a subtask's files. */
  readonly seq: number;
}

/**
 * A committable of the transactional store: the staging file to publish and its committed name,
 * both relative to the store directory.
 */
export interface TransactionalCommittable {
  readonly stagingFile: string;
  readonly targetFile: string;
}

/** One committed file and its records. */
export interface CommittedFile<T> extends StoreFileName {
  readonly name: string;
  readonly records: T[];
}

/** Everything committed in a store directory. */
export interface CommittedContents<T> {
  /** All records: files ordered by job, subtask and sequence; records in file order. */
  readonly records: T[];
  readonly files: CommittedFile<T>[];
}

const NAME = /^(.+)--s(\d+)--a(\d+)--r([0-9a-f]+)--n(\d+)\.jsonl$/;

/** Makes a job id safe for file names (and unambiguous for {@link parseStoreFileName}). */
export function safeJobId(jobId: string): string {
  return jobId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The file name of a staging or committed file (the same name in both areas). */
export function storeFileName(parts: StoreFileName): string {
  const seq = String(parts.seq).padStart(10, '0');
  return `${safeJobId(parts.jobId)}--s${parts.subtask}--a${parts.attempt}--r${parts.runId}--n${seq}.jsonl`;
}

/** Parses a store file name; undefined for anything else (temporary or foreign files). */
export function parseStoreFileName(name: string): StoreFileName | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return {
    jobId: m[1] as string,
    subtask: Number(m[2]),
    attempt: Number(m[3]),
    runId: m[4] as string,
    seq: Number(m[5]),
  };
}

/** Creates `pending/` and `committed/` under `dir`. */
export async function ensureStoreLayout(dir: string): Promise<void> {
  await mkdir(join(dir, PENDING_DIR), { recursive: true });
  await mkdir(join(dir, COMMITTED_DIR), { recursive: true });
}

/** A staging file being written. Created exclusively, so an existing file is never truncated. */
export class StagingFile {
  records = 0;

  private constructor(
    readonly name: string,
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(dir: string, name: string): Promise<StagingFile> {
    const path = join(dir, PENDING_DIR, name);
    return new StagingFile(name, path, await open(path, 'wx'));
  }

  async append(text: string, records: number): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    this.records += records;
  }

  /** Flushes the data to disk and closes the file: from now on it never changes. */
  async seal(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await fsyncDirectory(join(this.path, '..'));
  }

  /** Closes and deletes the file (its records belong to no checkpoint). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlinkIfExists(this.path);
  }
}

/**
 * Publishes a sealed staging file: hard-links it into `committed/` and removes the staging name.
 * Idempotent: a target that exists means an earlier commit (perhaps interrupted before the unlink)
 * already did it.
 */
export async function publishStagingFile(
  dir: string,
  committable: TransactionalCommittable,
): Promise<'committed' | 'already' | 'missing'> {
  const staging = join(dir, checkRelative(committable.stagingFile, PENDING_DIR));
  const target = join(dir, checkRelative(committable.targetFile, COMMITTED_DIR));
  try {
    await link(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await unlinkIfExists(staging);
      return 'already';
    }
    if (code === 'ENOENT') return (await exists(target)) ? 'already' : 'missing';
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    // A filesystem without hard links: rename is atomic too; the committer is serialized, so
    // checking the target first cannot race with another commit of the same file.
    if (await exists(target)) {
      await unlinkIfExists(staging);
      return 'already';
    }
    await rename(staging, target);
    await fsyncDirectory(join(dir, COMMITTED_DIR));
    return 'committed';
  }
  await fsyncDirectory(join(dir, COMMITTED_DIR));
  await unlinkIfExists(staging);
  return 'committed';
}

/**
 * Reads every committed file of the store (optionally of one job). Files are ordered by job,
 * subtask and sequence, which is each subtask's write order across restores (exact as long as the
 * parallelism did not change). Staging files are never read.
 */
export async function readCommitted<T = unknown>(
  dir: string,
  options: { readonly jobId?: string } = {},
): Promise<CommittedContents<T>> {
  const names = await listDir(join(dir, COMMITTED_DIR));
  const jobFilter = options.jobId === undefined ? undefined : safeJobId(options.jobId);
  const parsed = names
    .map((name) => ({ name, parts: parseStoreFileName(name) }))
    .filter((f): f is { name: string; parts: StoreFileName } => f.parts !== undefined)
    .filter((f) => jobFilter === undefined || f.parts.jobId === jobFilter)
    .sort((a, b) => compareNames(a.parts, b.parts));
  const files: CommittedFile<T>[] = [];
  for (const { name, parts } of parsed) {
    const text = await readFile(join(dir, COMMITTED_DIR, name), 'utf8');
    files.push({ ...parts, name, records: parseLines<T>(text, name) });
  }
  return { records: files.flatMap((f) => f.records), files };
}

/** What {@link cleanupOrphans} did. */
export interface CleanupResult {
  readonly deleted: string[];
  readonly kept: string[];
}

/**
 * Deletes staging files that can no longer be committed. Only the caller knows which
 * committables may still be committed (those of any checkpoint it may restore from), so it passes
 * them in `keep`; every other staging file (of `jobId`, when given) is deleted, as is any staging
 * file whose committed target already exists. Safe after a job finished (pass nothing), or with
 * the committables of the checkpoint you will restore from. Orphans are never visible to
 * {@link readCommitted}; this only reclaims space.
 */
export async function cleanupOrphans(
  dir: string,
  options: { readonly keep?: readonly TransactionalCommittable[]; readonly jobId?: string } = {},
): Promise<CleanupResult> {
  const keep = new Set((options.keep ?? []).map((c) => baseName(c.stagingFile)));
  const jobFilter = options.jobId === undefined ? undefined : safeJobId(options.jobId);
  const committed = new Set(await listDir(join(dir, COMMITTED_DIR)));
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const name of await listDir(join(dir, PENDING_DIR))) {
    const parts = parseStoreFileName(name);
    if (!parts || (jobFilter !== undefined && parts.jobId !== jobFilter)) continue;
    if (keep.has(name) && !committed.has(name)) {
      kept.push(name);
      continue;
    }
    await unlinkIfExists(join(dir, PENDING_DIR, name));
    deleted.push(name);
  }
  return { deleted, kept };
}

/**
 * Aborts staging files of earlier writer runs that no checkpoint can reference: a run's
 * committables of a checkpoint all have a sequence below the `nextSeq` it snapshotted in that
 * checkpoint (prepareCommit runs before snapshotState), so files of that run from `nextSeq` on
 * were written after the restored checkpoint and are garbage. Files below it are left alone: they
 * may be committables the committer re-commits after the restore.
 */
export async function abortLingeringStagingFiles(
  dir: string,
  restored: readonly { readonly runId: string; readonly nextSeq: number }[],
): Promise<string[]> {
  if (restored.length === 0) return [];
  const firstUnreferenced = new Map(restored.map((s) => [s.runId, s.nextSeq]));
  const deleted: string[] = [];
  for (const name of await listDir(join(dir, PENDING_DIR))) {
    const parts = parseStoreFileName(name);
    const from = parts && firstUnreferenced.get(parts.runId);
    if (parts && from !== undefined && parts.seq >= from) {
      await unlinkIfExists(join(dir, PENDING_DIR, name));
      deleted.push(name);
    }
  }
  return deleted;
}

function parseLines<T>(text: string, file: string): T[] {
  const out: T[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw === '') continue;
    try {
      out.push(JSON.parse(raw) as T);
    } catch (cause) {
      throw new TributaryError(
        BuiltinErrorCodes.TXN_STORE_CORRUPT,
        `Committed file ${file} has a bad line ${line}`,
        {
          cause,
          context: { file, line },
        },
      );
    }
  }
  return out;
}

function compareNames(a: StoreFileName, b: StoreFileName): number {
  if (a.jobId !== b.jobId) return a.jobId < b.jobId ? -1 : 1;
  if (a.subtask !== b.subtask) return a.subtask - b.subtask;
  if (a.seq !== b.seq) return a.seq - b.seq;
  if (a.attempt !== b.attempt) return a.attempt - b.attempt;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** Committables come from checkpoints: accept only `<area>/<store file name>`, nothing outside. */
function checkRelative(path: string, area: string): string {
  const name = path.startsWith(`${area}/`) ? path.slice(area.length + 1) : undefined;
  if (name === undefined || parseStoreFileName(name) === undefined) {
    throw new TributaryError(
      BuiltinErrorCodes.TXN_STORE_CORRUPT,
      `Not a ${area} file of the store: '${path}'`,
      {
        context: { path },
      },
    );
  }
  return `${area}/${name}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
