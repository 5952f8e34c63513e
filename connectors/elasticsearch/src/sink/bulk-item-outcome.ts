import type { BulkEntry } from './bulk-entry.js';

/** What became of one bulk item. */
export type ItemOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retry'; readonly status: number; readonly reason: string }
  | { readonly kind: 'reject'; readonly status: number; readonly type: string; readonly reason: string };

/** One item of a bulk response (`{ index: { status, error } }`). */
export type BulkResponseItem = Partial<
  Record<
    string,
    { status?: number; error?: { type?: string; reason?: string; caused_by?: { reason?: string } } }
  >
>;

export const OK: ItemOutcome = { kind: 'ok' };

/**
 * Classifies one item of a bulk response: success (a delete of a missing document included),
 * retriable (429 throttling, 5xx), a version conflict (success or rejection, per option), or a
 * rejection for good (mapping conflict, write block, any other 4xx).
 */
export function classifyItem(
  entry: BulkEntry,
  item: BulkResponseItem | undefined,
  ignoreVersionConflicts: boolean,
): ItemOutcome {
  const result = item?.[entry.op];
  const status = result?.status ?? 0;
  if (result === undefined || status === 0) {
    return { kind: 'retry', status, reason: 'the bulk response has no result for this item' };
  }
  if (status < 300) return OK;
  if (entry.op === 'delete' && status === 404 && result.error === undefined) return OK;
  const type = result.error?.type ?? `http_${status}`;
  const reason = [result.error?.reason, result.error?.caused_by?.reason].filter(Boolean).join(': ') || type;
  if (status === 409 && type === 'version_conflict_engine_exception' && ignoreVersionConflicts) return OK;
  if (status === 429 || status >= 500) return { kind: 'retry', status, reason: `${type}: ${reason}` };
  return { kind: 'reject', status, type, reason };
}

/**
 * The entries to send again, in order: every entry with a retriable outcome and, so that the
 * last write of an id still wins, every later entry of the same id that did not fail for good
 * (re-applying an index/update/delete is idempotent; a `create` would only conflict).
 */
export function entriesToRetry(entries: readonly BulkEntry[], outcomes: readonly ItemOutcome[]): BulkEntry[] {
  const retryIds = new Set<string>();
  const retry: BulkEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as BulkEntry;
    const outcome = outcomes[i] as ItemOutcome;
    const key = entry.id === undefined ? undefined : `${entry.index}\u0000${entry.id}`;
    if (outcome.kind === 'retry') {
      retry.push(entry);
      if (key !== undefined) retryIds.add(key);
    } else if (outcome.kind === 'ok' && key !== undefined && retryIds.has(key) && entry.op !== 'create') {
      retry.push(entry);
    }
  }
  return retry;
}
