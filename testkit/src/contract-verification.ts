import type { ContractGuarantee, ContractOrdering, SinkContractRecord } from './contract-context.js';
import type { StampedRecord } from './contract-jobs.js';

const MAX_PROBLEMS = 10;

/**
 * Checks what a source job delivered against the test data, and returns the problems (empty =
 * the guarantee holds). `exactly-once`: every record exactly once and, with `ordering`
 * `'per-split'` (the default), per split in the split's order (by emission stamp).
 * `at-least-once`: every record at least once. A record that is not part of the test data is
 * always a problem.
 */
export function verifySourceOutput<T>(
  expected: readonly (readonly T[])[],
  delivered: readonly StampedRecord<T>[],
  guarantee: ContractGuarantee,
  keyOf: (record: T) => string = (r) => JSON.stringify(r),
  ordering: ContractOrdering = 'per-split',
): string[] {
  const problems: string[] = [];
  const where = new Map<string, { split: number; index: number }>();
  expected.forEach((records, split) => {
    records.forEach((record, index) => {
      where.set(keyOf(record), { split, index });
    });
  });
  const ordered = [...delivered].sort((a, b) => a.at - b.at || a.n - b.n);
  const seen = expected.map((records) => new Array<number>(records.length).fill(0));
  const last = expected.map(() => -1);
  for (const record of ordered) {
    const key = keyOf(record.v);
    const at = where.get(key);
    if (at === undefined) {
      problems.push(`unexpected record ${key}`);
      continue;
    }
    const counts = seen[at.split] as number[];
    counts[at.index] = (counts[at.index] ?? 0) + 1;
    if (guarantee === 'exactly-once' && ordering === 'per-split') {
      const previous = last[at.split] as number;
      if (at.index <= previous) {
        problems.push(
          `split ${at.split}: record #${at.index} (${key}) delivered after #${previous}: out of order or duplicated`,
        );
      }
      last[at.split] = Math.max(previous, at.index);
    }
  }
  seen.forEach((counts, split) => {
    counts.forEach((count, index) => {
      if (count === 0) problems.push(`split ${split}: record #${index} missing`);
      else if (count > 1 && guarantee === 'exactly-once')
        problems.push(`split ${split}: record #${index} delivered ${count} times`);
    });
  });
  return summarize(problems);
}

/**
 * Checks what the external system holds after a sink job over `splits × recordsPerSplit`
 * generated records. `exactly-once`: every record exactly once; `at-least-once`: every record
 * at least once. Records must come back unchanged (payload included).
 */
export function verifySinkOutput(
  splits: number,
  recordsPerSplit: number,
  held: readonly SinkContractRecord[],
  guarantee: ContractGuarantee,
): string[] {
  const problems: string[] = [];
  const total = splits * recordsPerSplit;
  const counts = new Array<number>(total).fill(0);
  for (const record of held) {
    const ok =
      Number.isInteger(record.id) &&
      record.id >= 0 &&
      record.id < total &&
      record.split === Math.floor(record.id / recordsPerSplit) &&
      record.seq === record.id % recordsPerSplit &&
      record.payload === `record-${record.split}-${record.seq}`;
    if (!ok) {
      problems.push(`unexpected or corrupted record ${JSON.stringify(record)}`);
      continue;
    }
    counts[record.id] = (counts[record.id] ?? 0) + 1;
  }
  counts.forEach((count, id) => {
    if (count === 0) problems.push(`record ${id} missing`);
    else if (count > 1 && guarantee === 'exactly-once') problems.push(`record ${id} held ${count} times`);
  });
  return summarize(problems);
}

function summarize(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more problems`];
}
