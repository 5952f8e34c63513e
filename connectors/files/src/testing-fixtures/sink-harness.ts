import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CommitRequest,
  type CommitterInitContext,
  CommitterMetricGroup,
  MetricRegistry,
  type SinkWriterContext,
  SinkWriterMetricGroup,
  silentLogger,
  type WriterInitContext,
} from '@tributary/core';

/** A writer init context for unit tests (metrics in a fresh registry). */
export function writerInitContext(
  overrides: Partial<WriterInitContext> = {},
): WriterInitContext & { registry: MetricRegistry } {
  const registry = new MetricRegistry();
  return {
    subtaskId: 0,
    parallelism: 1,
    attemptNumber: 0,
    restoredCheckpointId: undefined,
    jobId: 'job-1',
    metricGroup: new SinkWriterMetricGroup(registry, { subtask: String(overrides.subtaskId ?? 0) }),
    logger: silentLogger,
    registry,
    ...overrides,
  };
}

export function committerInitContext(jobId = 'job-1'): CommitterInitContext {
  return {
    jobId,
    logger: silentLogger,
    metricGroup: new CommitterMetricGroup(new MetricRegistry(), {}),
  };
}

/** A write context with per-record event timestamps. */
export function writeContext(
  timestamps: readonly (number | undefined)[] = [],
  watermark?: number,
): SinkWriterContext {
  return { currentWatermark: watermark, timestamp: (i) => timestamps[i] };
}

/** A commit request that records what the committer said about it. */
export interface RecordedRequest<C> extends CommitRequest<C> {
  outcome: 'success' | 'already' | 'known-failure' | 'unknown-failure' | 'retry';
  error?: unknown;
}

export function commitRequest<C>(committable: C): RecordedRequest<C> {
  const r: RecordedRequest<C> = {
    committable,
    numberOfRetries: 0,
    outcome: 'success',
    signalFailedWithKnownReason: (error) => Object.assign(r, { outcome: 'known-failure', error }),
    signalFailedWithUnknownReason: (error) => Object.assign(r, { outcome: 'unknown-failure', error }),
    retryLater: () => Object.assign(r, { outcome: 'retry' }),
    updateAndRetryLater: () => Object.assign(r, { outcome: 'retry' }),
    signalAlreadyCommitted: () => Object.assign(r, { outcome: 'already' }),
  };
  return r;
}

/** Every file under `dir` (relative paths, hidden ones included), sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(path);
      else out.push(path);
    }
  };
  await walk('');
  return out.sort();
}

/** True when no segment of the relative path starts with `.` or `_` (what readers consider visible data). */
export function isVisible(path: string): boolean {
  return path.split('/').every((s) => !s.startsWith('.') && !s.startsWith('_'));
}

/** Hidden part files (in-progress, pending, compaction temps) anywhere under `dir`. */
export async function hiddenPartFiles(dir: string): Promise<string[]> {
  return (await listTree(dir)).filter((p) => /\.(inprogress|pending|compacting)$/.test(p));
}

/** The records of all visible JSON-lines files under `dir`, in no particular order. */
export async function readVisibleJsonLines<T = unknown>(dir: string): Promise<T[]> {
  const records: T[] = [];
  for (const path of (await listTree(dir)).filter(isVisible)) {
    const text = await readFile(join(dir, path), 'utf8');
    for (const line of text.split('\n')) if (line !== '') records.push(JSON.parse(line) as T);
  }
  return records;
}
