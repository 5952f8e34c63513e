import { randomBytes } from 'node:crypto';
import { TributaryError } from '@tributary/core';
import { FilesErrorCodes } from '../files-error-codes.js';

/**
 * Part file names. Committed files are visible; everything in flight is hidden (leading `.`), so
 * readers that skip hidden files (Hive, Spark, this connector's source) never see partial data:
 *
 * ```
 * <prefix>-<runId>-<subtask>-<counter><suffix><ext>                          committed
 * .<committed name>.tr-<jobTag>-<subtask>-<runId>.inprogress                 being written
 * .<committed name>.tr-<jobTag>-<subtask>-<runId>.pending                    complete, waiting for commit
 * ```
 *
 * `runId` is random per writer instance, so no restart can produce a name that exists. The hidden
 * suffix names the job and subtask, which lets a restarted writer delete exactly the orphans of its
 * own job and subtask and nothing else.
 */
export interface PartFileNaming {
  readonly partPrefix: string;
  readonly partSuffix: string;
  readonly extension: string;
}

/** Parsed hidden name of an in-progress or pending part file. */
export interface HiddenPartFile {
  readonly finalName: string;
  readonly jobTag: string;
  readonly subtask: number;
  readonly runId: string;
  readonly state: 'inprogress' | 'pending';
}

const HIDDEN = /^\.(.+)\.tr-([A-Za-z0-9]+)-(\d+)-([0-9a-f]+)\.(inprogress|pending)$/;

/** A short random id for one writer instance. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** A file-name-safe tag of the job id (the same across restarts of the job). */
export function jobTagOf(jobId: string): string {
  const tag = jobId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
  return tag.length > 0 ? tag : 'job';
}

export function finalPartName(
  naming: PartFileNaming,
  runId: string,
  subtask: number,
  counter: number,
): string {
  return `${naming.partPrefix}-${runId}-${subtask}-${counter}${naming.partSuffix}${naming.extension}`;
}

export function hiddenPartName(
  finalName: string,
  jobTag: string,
  subtask: number,
  runId: string,
  state: 'inprogress' | 'pending',
): string {
  return `.${finalName}.tr-${jobTag}-${subtask}-${runId}.${state}`;
}

export function parseHiddenPartName(name: string): HiddenPartFile | undefined {
  const m = HIDDEN.exec(name);
  if (!m) return undefined;
  return {
    finalName: m[1] as string,
    jobTag: m[2] as string,
    subtask: Number(m[3]),
    runId: m[4] as string,
    state: m[5] as 'inprogress' | 'pending',
  };
}

/**
 * Checks that a bucket id is a safe relative directory path: `''` or `/`-separated segments that
 * are not empty, `.`/`..`, hidden (leading `.` or `_`, which readers skip) or contain `\` or NUL.
 */
export function validateBucketId(bucketId: string): string {
  if (bucketId === '') return bucketId;
  for (const segment of bucketId.split('/')) {
    const bad =
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.startsWith('.') ||
      segment.startsWith('_') ||
      segment.includes('\\') ||
      segment.includes('\0');
    if (bad) {
      throw new TributaryError(
        FilesErrorCodes.INVALID_BUCKET_ID,
        `Bucket id '${bucketId}' is not a safe relative directory (segment '${segment}'): segments must be non-empty, not '.'/'..', not start with '.' or '_', and contain no '\\' or NUL`,
        { context: { bucketId } },
      );
    }
  }
  return bucketId;
}
