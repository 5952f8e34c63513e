import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';
import { fsyncDirectory, writeFileAtomically } from '../fs/durable-files.js';
import type { Logger } from '../logging/logger.js';
import type { StoredBytes } from './messages.js';

/** Everything a job needs to resume: written at every completed checkpoint or savepoint. */
export interface CheckpointData {
  readonly formatVersion: 1;
  readonly checkpointId: number;
  readonly jobId: string;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly parallelism: number;
  readonly enumerator: StoredBytes;
  /** Per old subtask: its reader's splits (with positions) and its writer's state. */
  readonly subtasks: readonly {
    readonly subtask: number;
    readonly splits: readonly StoredBytes[];
    readonly writerStates: readonly StoredBytes[];
    readonly finished: boolean;
  }[];
  /** Committables not yet known to be committed, in checkpoint order (re-committed on restore). */
  readonly committables: readonly {
    readonly checkpointId: number;
    readonly subtask: number;
    readonly data: StoredBytes;
  }[];
  /** True for the final checkpoint of a job whose bounded input ended. */
  readonly jobFinished: boolean;
}

/**
 * Where the checkpoints in a storage come from: the `restoreFrom` path the current run of
 * checkpoints started from, and the first checkpoint id of that run. Checkpoints with smaller ids
 * belong to an earlier lineage (before a rollback to another savepoint) and are never restored.
 */
export interface CheckpointLineage {
  /** Absolute `restoreFrom` path the lineage started from; undefined: it started empty. */
  readonly restoreFrom: string | undefined;
  readonly firstCheckpointId: number;
}

/** Where checkpoints live. One implementation per medium (local directory, memory; S3 later). */
export interface CheckpointStorage {
  /** A job id that stays the same across restarts from this storage. */
  jobId(): Promise<string>;
  /** Durably stores a checkpoint; once this resolves, the checkpoint is complete. Returns bytes written. */
  store(data: CheckpointData): Promise<number>;
  /**
   * The latest complete checkpoint with an id ≥ `minCheckpointId` (default 0). One that cannot be
   * read is skipped with a warning for the previous complete one.
   */
  latest(minCheckpointId?: number): Promise<CheckpointData | undefined>;
  /**
   * The recorded lineage (see {@link CheckpointLineage}). Optional: a storage without it resumes
   * from its latest checkpoint whatever `restoreFrom` says.
   */
  lineage?(): Promise<CheckpointLineage | undefined>;
  /** Durably records a new lineage. */
  recordLineage?(lineage: CheckpointLineage): Promise<void>;
  /** The highest checkpoint id present, complete or not (0 when empty). */
  highestCheckpointId?(): Promise<number>;
  /** Deletes completed checkpoints beyond the newest `retain` (never savepoints). */
  prune(retain: number): Promise<void>;
  /** Location of a stored checkpoint (for logs and savepoint paths). */
  locationOf(checkpointId: number): string;
}

const METADATA = '_metadata';
const STATE = 'state.json';
const JOB_FILE = 'job.json';

/** `<dir>/job.json`: the job id that outlives restarts, and the current lineage. */
interface JobFile {
  readonly jobId: string;
  readonly created: number;
  readonly lineage?: {
    readonly restoreFrom: string | null;
    readonly firstCheckpointId: number;
    readonly since: number;
  };
}

/** Loads a checkpoint or savepoint from its directory (`.../chk-<id>` or a savepoint dir). */
export async function loadCheckpointDir(dir: string): Promise<CheckpointData> {
  try {
    await stat(join(dir, METADATA));
  } catch (cause) {
    throw new TributaryError(
      CoreErrorCodes.RESTORE_FAILED,
      `No complete checkpoint at ${dir} (missing ${METADATA})`,
      {
        cause,
        context: { path: dir },
      },
    );
  }
  try {
    return JSON.parse(await readFile(join(dir, STATE), 'utf8')) as CheckpointData;
  } catch (cause) {
    throw new TributaryError(CoreErrorCodes.RESTORE_FAILED, `Unreadable checkpoint state at ${dir}`, {
      cause,
      context: { path: dir },
    });
  }
}

/** Writes a checkpoint into `dir`: state file first, then the metadata file that marks it complete. */
export async function writeCheckpointDir(dir: string, data: CheckpointData): Promise<number> {
  // The new directory's entry in its parent is made durable too, or a power loss could lose a
  // checkpoint whose commit already happened.
  if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDirectory(dirname(dir));
  const state = JSON.stringify(data);
  await writeFileAtomically(join(dir, STATE), state);
  await writeFileAtomically(
    join(dir, METADATA),
    JSON.stringify({
      checkpointId: data.checkpointId,
      kind: data.kind,
      timestamp: data.timestamp,
      bytes: state.length,
    }),
  );
  await fsyncDirectory(dir);
  return state.length;
}

/**
 * Checkpoints in a local directory: `<dir>/chk-<id>/{state.json,_metadata}` plus `<dir>/job.json`.
 * A checkpoint without `_metadata` (process killed mid-write) is incomplete and ignored.
 */
export class FileCheckpointStorage implements CheckpointStorage {
  private job: JobFile | undefined;

  constructor(
    private readonly directory: string,
    private readonly logger?: Logger,
  ) {}

  async jobId(): Promise<string> {
    return (await this.jobFile()).jobId;
  }

  async lineage(): Promise<CheckpointLineage | undefined> {
    const { lineage } = await this.jobFile();
    return (
      lineage && {
        restoreFrom: lineage.restoreFrom ?? undefined,
        firstCheckpointId: lineage.firstCheckpointId,
      }
    );
  }

  async recordLineage(lineage: CheckpointLineage): Promise<void> {
    const job = await this.jobFile();
    this.job = {
      ...job,
      lineage: {
        restoreFrom: lineage.restoreFrom ?? null,
        firstCheckpointId: lineage.firstCheckpointId,
        since: Date.now(),
      },
    };
    await this.writeJobFile(this.job);
  }

  async highestCheckpointId(): Promise<number> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return Math.max(0, ...names.map((n) => Number(/^chk-(\d+)$/.exec(n)?.[1] ?? 0)));
  }

  private async jobFile(): Promise<JobFile> {
    if (this.job) return this.job;
    await mkdir(this.directory, { recursive: true });
    const path = join(this.directory, JOB_FILE);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    if (text === undefined) {
      this.job = { jobId: randomUUID(), created: Date.now() };
      await this.writeJobFile(this.job);
    } else {
      try {
        this.job = JSON.parse(text) as JobFile;
      } catch (cause) {
        // Never silently replaced: a new job id would orphan the transactions of the old one.
        throw new TributaryError(CoreErrorCodes.RESTORE_FAILED, `Unreadable ${path}`, {
          cause,
          context: { path },
        });
      }
    }
    return this.job;
  }

  private async writeJobFile(job: JobFile): Promise<void> {
    await writeFileAtomically(join(this.directory, JOB_FILE), JSON.stringify(job));
    await fsyncDirectory(this.directory);
  }

  locationOf(checkpointId: number): string {
    return join(this.directory, `chk-${String(checkpointId).padStart(12, '0')}`);
  }

  store(data: CheckpointData): Promise<number> {
    return writeCheckpointDir(this.locationOf(data.checkpointId), data);
  }

  private async completedIds(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return [];
    }
    const ids: number[] = [];
    for (const name of names) {
      const m = /^chk-(\d+)$/.exec(name);
      if (!m) continue;
      try {
        await stat(join(this.directory, name, METADATA));
        ids.push(Number(m[1]));
      } catch {
        // Incomplete: the process died while writing it.
      }
    }
    return ids.sort((a, b) => a - b);
  }

  async latest(minCheckpointId = 0): Promise<CheckpointData | undefined> {
    const ids = (await this.completedIds()).filter((id) => id >= minCheckpointId);
    let firstError: unknown;
    for (const id of ids.reverse()) {
      try {
        return await loadCheckpointDir(this.locationOf(id));
      } catch (error) {
        // A damaged checkpoint (disk error, a file edited by hand) must not block every restart:
        // the previous complete one is still a consistent restore point.
        firstError ??= error;
        this.logger?.warn(
          { err: toError(error), checkpointId: id },
          'checkpoint unreadable; trying the previous complete one',
        );
      }
    }
    if (firstError !== undefined) throw firstError;
    return undefined;
  }

  async prune(retain: number): Promise<void> {
    const ids = await this.completedIds();
    const keepFrom = ids.length - retain;
    const newest = ids[ids.length - 1] ?? 0;
    // Completed checkpoints beyond retention, plus incomplete leftovers older than the newest.
    const names = await readdir(this.directory).catch(() => [] as string[]);
    for (const name of names) {
      const m = /^chk-(\d+)$/.exec(name);
      if (!m) continue;
      const id = Number(m[1]);
      const index = ids.indexOf(id);
      const stale = index === -1 ? id < newest : index < keepFrom;
      if (stale) await rm(join(this.directory, name), { recursive: true, force: true });
    }
  }
}

/** Checkpoints kept in memory: restarts inside one process restore; a crashed process does not. */
export class MemoryCheckpointStorage implements CheckpointStorage {
  private readonly checkpoints = new Map<number, CheckpointData>();
  private readonly id = randomUUID();
  private recorded: CheckpointLineage | undefined;

  async lineage(): Promise<CheckpointLineage | undefined> {
    return this.recorded;
  }
  async recordLineage(lineage: CheckpointLineage): Promise<void> {
    this.recorded = lineage;
  }
  async highestCheckpointId(): Promise<number> {
    return Math.max(0, ...this.checkpoints.keys());
  }

  async jobId(): Promise<string> {
    return this.id;
  }
  locationOf(checkpointId: number): string {
    return `memory://${this.id}/chk-${checkpointId}`;
  }
  async store(data: CheckpointData): Promise<number> {
    const json = JSON.stringify(data);
    this.checkpoints.set(data.checkpointId, JSON.parse(json) as CheckpointData);
    return json.length;
  }
  async latest(minCheckpointId = 0): Promise<CheckpointData | undefined> {
    const last = Math.max(-1, ...[...this.checkpoints.keys()].filter((id) => id >= minCheckpointId));
    return this.checkpoints.get(last);
  }
  async prune(retain: number): Promise<void> {
    const ids = [...this.checkpoints.keys()].sort((a, b) => a - b);
    for (const id of ids.slice(0, Math.max(0, ids.length - retain))) this.checkpoints.delete(id);
  }
}

/** Writes a savepoint into its own directory (never pruned). */
export async function writeSavepoint(directory: string, data: CheckpointData): Promise<string> {
  const dir = join(directory, `savepoint-${String(data.checkpointId).padStart(12, '0')}-${Date.now()}`);
  await writeCheckpointDir(dir, data);
  return dir;
}
