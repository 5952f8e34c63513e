import type { BufferedEntry } from './request-buffer.js';

/**
 * Maps the failed entries a submitter returned back to the buffered entries of its request, so
 * they keep their place (`seq`) and retry count. Entries are matched by identity, in order (a
 * subsequence scan, O(batch)). An entry the submitter rebuilt (not found) takes the place and
 * retry count of where the scan stands, so it is still retried before newer entries.
 * @internal
 */
export function matchFailedEntries<RequestEntryT>(
  batch: readonly BufferedEntry<RequestEntryT>[],
  failedEntries: readonly RequestEntryT[],
  sizeOf: (entry: RequestEntryT) => number,
): BufferedEntry<RequestEntryT>[] {
  const out: BufferedEntry<RequestEntryT>[] = [];
  let next = 0;
  for (const entry of failedEntries) {
    let k = next;
    while (k < batch.length && (batch[k] as BufferedEntry<RequestEntryT>).entry !== entry) k++;
    const match = batch[k];
    if (match !== undefined) {
      out.push(match);
      next = k + 1;
      continue;
    }
    const at = (out[out.length - 1] ??
      batch[Math.min(next, batch.length - 1)]) as BufferedEntry<RequestEntryT>;
    out.push({ entry, sizeInBytes: sizeOf(entry), seq: at.seq, attempts: at.attempts });
  }
  return out;
}
