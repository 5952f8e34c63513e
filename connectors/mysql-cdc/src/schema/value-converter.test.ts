import { describe, expect, it } from 'vitest';
import { RowConverter } from './value-converter.js';

describe('RowConverter', () => {
  const converter = new RowConverter({
    db: 'd',
    table: 't',
    primaryKey: ['id'],
    columns: [
      { name: 'id', dataType: 'bigint', columnType: 'bigint(20) unsigned' },
      { name: 'i', dataType: 'int', columnType: 'int(11)' },
      { name: 'd', dataType: 'decimal', columnType: 'decimal(65,30)' },
      { name: 'dt', dataType: 'datetime', columnType: 'datetime(6)' },
      { name: 'j', dataType: 'json', columnType: 'json' },
      { name: 'b', dataType: 'varbinary', columnType: 'varbinary(8)' },
      { name: 'bit', dataType: 'bit', columnType: 'bit(10)' },
      { name: 's', dataType: 'set', columnType: "set('x','y')" },
      { name: 'y', dataType: 'year', columnType: 'year(4)' },
    ],
  });

  it('gives snapshot (mysql2 strings) and binlog (zongji numbers) values the same types', () => {
    const fromSnapshot = converter.convert({
      id: '18446744073709551615',
      i: 7,
      d: '1.50',
      dt: '2020-01-02 03:04:05.123456',
      j: '{"a":1}',
      b: Buffer.from([0, 255]),
      bit: Buffer.from([2, 170]),
      s: 'x,y',
    });
    const fromBinlog = converter.convert({
      id: 18446744073709551615n,
      i: '7',
      d: '1.50',
      dt: '2020-01-02 03:04:05.123456',
      j: { a: 1 },
      b: Buffer.from([0, 255]),
      bit: Buffer.from([2, 170]),
      s: 'x,y',
    });
    expect(fromBinlog).toEqual(fromSnapshot);
    expect(fromSnapshot).toEqual({
      id: 18446744073709551615n,
      i: 7,
      d: '1.50',
      dt: '2020-01-02 03:04:05.123456',
      j: '{"a":1}',
      b: Buffer.from([0, 255]),
      bit: Buffer.from([2, 170]),
      s: 'x,y',
    });
    expect(converter.convert({ id: 1, i: null })).toEqual({ id: 1n, i: null });
  });

  it('reads the binlog’s zero YEAR (1900 from zongji) as 0, like the snapshot', () => {
    expect(converter.convert({ id: 1, y: 1900 })).toEqual(converter.convert({ id: 1, y: 0 }));
    expect(converter.convert({ id: 1, y: 2155 })).toEqual({ id: 1n, y: 2155 });
  });

  it('names table and column when a value cannot be converted', () => {
    expect(() => converter.convert({ id: 'not a number' })).toThrow(/d\.t\.id/);
  });
});
