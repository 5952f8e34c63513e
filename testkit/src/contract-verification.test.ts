import { describe, expect, it } from 'vitest';
import type { SinkContractRecord } from './contract-context.js';
import type { StampedRecord } from './contract-jobs.js';
import { sinkContractRecord } from './contract-jobs.js';
import { verifySinkOutput, verifySourceOutput } from './contract-verification.js';

const expected = [
  ['a0', 'a1', 'a2'],
  ['b0', 'b1'],
];
const stamped = (values: string[]): StampedRecord<string>[] => values.map((v, n) => ({ v, at: 1000, n }));

describe('verifySourceOutput', () => {
  it('accepts every record once, splits interleaved but each in order', () => {
    expect(verifySourceOutput(expected, stamped(['b0', 'a0', 'a1', 'b1', 'a2']), 'exactly-once')).toEqual([]);
  });

  it('orders by emission stamp, not by storage order', () => {
    const delivered = [
      { v: 'a1', at: 2000, n: 0 },
      { v: 'a0', at: 1000, n: 5 },
      { v: 'a2', at: 2000, n: 1 },
      { v: 'b0', at: 1000, n: 1 },
      { v: 'b1', at: 1000, n: 2 },
    ];
    expect(verifySourceOutput(expected, delivered, 'exactly-once')).toEqual([]);
  });

  it('reports duplicates, reordering, missing and unknown records under exactly-once', () => {
    const problems = verifySourceOutput(expected, stamped(['a1', 'a0', 'a1', 'b0', 'zz']), 'exactly-once');
    expect(problems).toEqual([
      'split 0: record #0 ("a0") delivered after #1: out of order or duplicated',
      'split 0: record #1 ("a1") delivered after #1: out of order or duplicated',
      'unexpected record "zz"',
      'split 0: record #1 delivered 2 times',
      'split 0: record #2 missing',
      'split 1: record #1 missing',
    ]);
  });

  it("with ordering 'none', accepts any order but still reports duplicates and gaps", () => {
    const keyOf = (r: string) => JSON.stringify(r);
    expect(
      verifySourceOutput(expected, stamped(['a2', 'b1', 'a0', 'b0', 'a1']), 'exactly-once', keyOf, 'none'),
    ).toEqual([]);
    expect(
      verifySourceOutput(expected, stamped(['a2', 'a0', 'a2', 'b0', 'b1']), 'exactly-once', keyOf, 'none'),
    ).toEqual(['split 0: record #1 missing', 'split 0: record #2 delivered 2 times']);
  });

  it('allows duplicates and any order under at-least-once, but not gaps', () => {
    const replayed = stamped(['a0', 'a1', 'b0', 'a0', 'a1', 'a2', 'b1', 'b0']);
    expect(verifySourceOutput(expected, replayed, 'at-least-once')).toEqual([]);
    expect(verifySourceOutput(expected, stamped(['a0', 'a0', 'a2', 'b0', 'b1']), 'at-least-once')).toEqual([
      'split 0: record #1 missing',
    ]);
  });
});

describe('verifySinkOutput', () => {
  const all = Array.from({ length: 6 }, (_, i) => sinkContractRecord(i, 3));

  it('accepts every record once in any order', () => {
    expect(verifySinkOutput(2, 3, [...all].reverse(), 'exactly-once')).toEqual([]);
  });

  it('reports duplicates under exactly-once only, and gaps and corruption always', () => {
    const dup = [...all, all[2] as SinkContractRecord];
    expect(verifySinkOutput(2, 3, dup, 'exactly-once')).toEqual(['record 2 held 2 times']);
    expect(verifySinkOutput(2, 3, dup, 'at-least-once')).toEqual([]);
    const corrupted = [...all.slice(1), { ...(all[0] as SinkContractRecord), payload: 'x' }];
    expect(verifySinkOutput(2, 3, corrupted, 'at-least-once')).toEqual([
      `unexpected or corrupted record ${JSON.stringify({ id: 0, split: 0, seq: 0, payload: 'x' })}`,
      'record 0 missing',
    ]);
  });

  it('caps the list of problems', () => {
    const problems = verifySinkOutput(10, 10, [], 'exactly-once');
    expect(problems).toHaveLength(11);
    expect(problems[10]).toBe('... and 90 more problems');
  });
});
