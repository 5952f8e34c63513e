import type { MessageId } from '@tributary/pulsar-client';

/**
 * Whole entries (ledger:entry, no batch index) in a compact text form for checkpoints: runs of
 * consecutive entries of a ledger become `ledger:first-last`, others `ledger:entry`, joined by
 * commas (`"12:0-499,12:503,13:0-7"`). A Shared reader's entries are mostly runs, so a
 * checkpoint's acks stay a few bytes per run instead of a few per entry.
 */
export function encodeEntries(entries: readonly MessageId[]): string {
  const byLedger = new Map<bigint, bigint[]>();
  for (const { ledgerId, entryId } of entries) {
    const list = byLedger.get(ledgerId);
    if (list === undefined) byLedger.set(ledgerId, [entryId]);
    else list.push(entryId);
  }
  const parts: string[] = [];
  for (const ledger of [...byLedger.keys()].sort(compareBigints)) {
    const ids = [...new Set(byLedger.get(ledger))].sort(compareBigints);
    let first = ids[0] as bigint;
    let last = first;
    const flush = () => parts.push(first === last ? `${ledger}:${first}` : `${ledger}:${first}-${last}`);
    for (let i = 1; i < ids.length; i++) {
      const id = ids[i] as bigint;
      if (id === last + 1n) {
        last = id;
        continue;
      }
      flush();
      first = id;
      last = id;
    }
    flush();
  }
  return parts.join(',');
}

/** The entries of {@link encodeEntries}' text, in ledger and entry order (whole entries: batch index -1). */
export function decodeEntries(text: string): MessageId[] {
  const entries: MessageId[] = [];
  if (text === '') return entries;
  for (const part of text.split(',')) {
    const match = /^(\d+):(\d+)(?:-(\d+))?$/.exec(part);
    if (match === null) throw new Error(`not an entry or entry range: '${part}'`);
    const ledgerId = BigInt(match[1] as string);
    const first = BigInt(match[2] as string);
    const last = match[3] === undefined ? first : BigInt(match[3]);
    for (let entryId = first; entryId <= last; entryId++) {
      entries.push({ ledgerId, entryId, partition: -1, batchIndex: -1, batchSize: 0 });
    }
  }
  return entries;
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
