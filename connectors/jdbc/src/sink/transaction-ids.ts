import { createHash } from 'node:crypto';

/** The default prefix: stable for a job (its id survives restarts from the same checkpoints). */
export function defaultTransactionPrefix(jobId: string): string {
  return `trib-${createHash('sha256').update(jobId).digest('hex').slice(0, 12)}`;
}

/**
 * Id of subtask `subtask`'s `index`-th prepared transaction. A writer restored from checkpoint
 * `C` numbers its transactions `C+1, C+2, …` (one per pre-commit), above every id a checkpoint up
 * to `C` references. Indexes do not follow checkpoint ids (an aborted checkpoint skips an id), so
 * recovery does not tell ids apart by index: it rolls back every owned id still prepared once the
 * restored checkpoint's committables are committed.
 */
export function transactionId(prefix: string, subtask: number, index: number): string {
  return `${prefix}-${subtask}-${index}`;
}

/** Parses an id of `prefix`; undefined for ids of another prefix. */
export function parseTransactionId(
  prefix: string,
  id: string,
): { subtask: number; index: number } | undefined {
  if (!id.startsWith(`${prefix}-`)) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(id.slice(prefix.length + 1));
  if (match === null) return undefined;
  return { subtask: Number(match[1]), index: Number(match[2]) };
}
