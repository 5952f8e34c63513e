import { describe, expect, it } from 'vitest';
import { changeOf, opAt, ReducingBuffer } from './row-ops.js';
import { parseTransactionId, transactionId } from './transaction-ids.js';

/** The drained changes as [kind, row, record], in slot order. */
function changes(buffer: ReducingBuffer) {
  const batch = buffer.drain();
  return batch.rows.map((_, i) => {
    const op = opAt(batch, i);
    return [op.kind, op.row, op.record] as const;
  });
}

describe('change records and the reducing buffer', () => {
  it('maps c/r/u to writes of after and d to a delete by before', () => {
    expect(changeOf({ op: 'c', after: { id: 1 } })).toEqual({ isDelete: false, row: { id: 1 } });
    expect(changeOf({ op: 'u', before: { id: 1 }, after: { id: 1, v: 2 } })).toEqual({
      isDelete: false,
      row: { id: 1, v: 2 },
    });
    expect(changeOf({ op: 'd', before: { id: 1 } })).toEqual({ isDelete: true, row: { id: 1 } });
    expect(() => changeOf({ op: 'x' })).toThrow(/unknown change op/);
    expect(() => changeOf({ op: 'd' })).toThrow(/needs a 'before' row/);
  });

  it('keeps the last change per key in the slot of its first (a delete after an insert wins, an insert after a delete wins)', () => {
    const buffer = new ReducingBuffer(['id'], true);
    const records = [
      { op: 'c', after: { id: 1, v: 1 } },
      { op: 'c', after: { id: 2, v: 1 } },
      { op: 'd', before: { id: 1 } },
      { op: 'u', after: { id: 2, v: 3 } },
      { op: 'c', after: { id: 3n, v: 1 } },
      { op: 'c', after: { id: '3', v: 2 } }, // a different key: text, not bigint
      { op: 'c', after: { id: 3, v: 3 } }, // and a number is neither
      { op: 'c', after: { id: 2.5, v: 1 } }, // not an int32: the Map path
      { op: 'u', after: { id: 2.5, v: 2 } },
    ];
    for (const record of records) buffer.add(record);
    expect(buffer.size).toBe(6);
    expect(changes(buffer)).toEqual([
      ['delete', { id: 1 }, records[2]],
      ['write', { id: 2, v: 3 }, records[3]],
      ['write', { id: 3n, v: 1 }, records[4]],
      ['write', { id: '3', v: 2 }, records[5]],
      ['write', { id: 3, v: 3 }, records[6]],
      ['write', { id: 2.5, v: 2 }, records[8]],
    ]);
    expect(buffer.size).toBe(0);
    // A new batch forgets the keys of the last one.
    buffer.add({ op: 'c', after: { id: 1, v: 9 } });
    expect(changes(buffer)).toEqual([['write', { id: 1, v: 9 }, { op: 'c', after: { id: 1, v: 9 } }]]);
  });

  it('reduces int32 keys across collisions, table growth and many batches like a Map does', () => {
    // A small table (grows), keys that share hash buckets, 0 and -0 (one key, as in a Map), the
    // int32 extremes; every batch checked against a Map-based reference.
    const buffer = new ReducingBuffer(['id'], false, 4);
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return seed;
    };
    const special = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 1 << 28, 2 << 28, 3 << 28];
    for (let round = 0; round < 50; round++) {
      const reference = new Map<number, { id: number; v: number }>();
      const rows = 1 + (round % 7) * 40;
      for (let v = 0; v < rows; v++) {
        const id = v < special.length && round % 2 === 0 ? (special[v] as number) : random() % 97;
        const row = { id, v };
        buffer.add(row);
        reference.set(id, row);
      }
      expect(buffer.drain().rows).toEqual([...reference.values()]);
    }
  });

  it('keeps a date key and a string that reads like its text apart, and reduces composite keys', () => {
    const day = new Date('2024-01-01T00:00:00.000Z');
    const buffer = new ReducingBuffer(['k'], false);
    buffer.add({ k: day, v: 1 });
    buffer.add({ k: `d${day.toISOString()}`, v: 2 });
    buffer.add({ k: new Date(day), v: 3 });
    expect(buffer.drain().rows.map((row) => row.v)).toEqual([3, 2]);

    const composite = new ReducingBuffer(['a', 'b'], false);
    composite.add({ a: 1, b: 'x', v: 1 });
    composite.add({ a: 1, b: 'y', v: 2 });
    composite.add({ a: 1, b: 'x', v: 3 });
    expect(composite.drain().rows.map((row) => row.v)).toEqual([3, 2]);
  });

  it('keeps every row of an append in order, each its own record, and rejects a non-object', () => {
    const buffer = new ReducingBuffer(undefined, false);
    for (const v of [1, 1, 2]) buffer.add({ id: 1, v });
    const batch = buffer.drain();
    expect(batch.rows.map((row) => row.v)).toEqual([1, 1, 2]);
    expect(batch.records).toBe(batch.rows);
    expect(batch.deletes).toBeUndefined();
    expect(() => buffer.add(42)).toThrow(/must be an object/);
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
