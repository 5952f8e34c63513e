import { describe, expect, it } from 'vitest';
import { ReducingBuffer, toRowOp } from './row-ops.js';
import { parseTransactionId, transactionId } from './transaction-ids.js';

describe('change records and the reducing buffer', () => {
  it('maps c/r/u to writes of after and d to a delete by before', () => {
    expect(toRowOp({ op: 'c', after: { id: 1 } }, true)).toMatchObject({ kind: 'write', row: { id: 1 } });
    expect(toRowOp({ op: 'u', before: { id: 1 }, after: { id: 1, v: 2 } }, true)).toMatchObject({
      kind: 'write',
      row: { id: 1, v: 2 },
    });
    expect(toRowOp({ op: 'd', before: { id: 1 } }, true)).toMatchObject({ kind: 'delete', row: { id: 1 } });
    expect(() => toRowOp({ op: 'x' }, true)).toThrow(/unknown change op/);
    expect(() => toRowOp({ op: 'd' }, true)).toThrow(/needs a 'before' row/);
  });

  it('keeps the last change per key (a delete after an insert wins, an insert after a delete wins)', () => {
    const buffer = new ReducingBuffer(['id']);
    buffer.add(toRowOp({ op: 'c', after: { id: 1, v: 1 } }, true));
    buffer.add(toRowOp({ op: 'c', after: { id: 2, v: 1 } }, true));
    buffer.add(toRowOp({ op: 'd', before: { id: 1 } }, true));
    buffer.add(toRowOp({ op: 'u', after: { id: 2, v: 3 } }, true));
    buffer.add(toRowOp({ op: 'c', after: { id: 3n, v: 1 } }, true));
    buffer.add(toRowOp({ op: 'c', after: { id: '3', v: 2 } }, true)); // a different key: text, not bigint
    expect(buffer.size).toBe(4);
    expect(buffer.drain().map((op) => [op.kind, op.row])).toEqual([
      ['delete', { id: 1 }],
      ['write', { id: 2, v: 3 }],
      ['write', { id: 3n, v: 1 }],
      ['write', { id: '3', v: 2 }],
    ]);
    expect(buffer.size).toBe(0);
  });

  it('keeps a date key and a string that reads like its text apart, and reduces composite keys', () => {
    const day = new Date('2024-01-01T00:00:00.000Z');
    const buffer = new ReducingBuffer(['k']);
    buffer.add(toRowOp({ k: day, v: 1 }, false));
    buffer.add(toRowOp({ k: `d${day.toISOString()}`, v: 2 }, false));
    buffer.add(toRowOp({ k: new Date(day), v: 3 }, false));
    expect(buffer.drain().map((op) => op.row.v)).toEqual([2, 3]);

    const composite = new ReducingBuffer(['a', 'b']);
    composite.add(toRowOp({ a: 1, b: 'x', v: 1 }, false));
    composite.add(toRowOp({ a: 1, b: 'y', v: 2 }, false));
    composite.add(toRowOp({ a: 1, b: 'x', v: 3 }, false));
    expect(composite.drain().map((op) => op.row.v)).toEqual([3, 2]);
  });

  it('keeps every row of an append in order', () => {
    const buffer = new ReducingBuffer(undefined);
    for (const v of [1, 1, 2]) buffer.add(toRowOp({ id: 1, v }, false));
    expect(buffer.drain().map((op) => op.row.v)).toEqual([1, 1, 2]);
  });
});

describe('transaction ids', () => {
  it('round-trip job prefix, subtask and index, and ignore other prefixes', () => {
    const id = transactionId('trib-abc', 3, 17);
    expect(id).toBe('trib-abc-3-17');
    expect(parseTransactionId('trib-abc', id)).toEqual({ subtask: 3, index: 17 });
    expect(parseTransactionId('trib-ab', id)).toBeUndefined();
    expect(parseTransactionId('trib-abc', 'trib-abc-x-1')).toBeUndefined();
  });
});
