import { describe, expect, it } from 'vitest';
import { compareBinlogPositions, minPosition } from '../binlog/binlog-position.js';
import { ChunkIndex } from './chunk-index.js';
import { inRange, integerKey } from './chunk-range.js';

describe('chunk ranges and the binlog filter', () => {
  it('orders binlog positions by file sequence, then position', () => {
    expect(compareBinlogPositions({ file: 'b.000009', pos: 900 }, { file: 'b.000010', pos: 4 })).toBeLessThan(
      0,
    );
    expect(
      compareBinlogPositions({ file: 'b.000010', pos: 5 }, { file: 'b.000010', pos: 4 }),
    ).toBeGreaterThan(0);
    expect(
      minPosition([
        { file: 'b.2', pos: 1 },
        { file: 'b.1', pos: 99 },
      ]),
    ).toEqual({ file: 'b.1', pos: 99 });
  });

  it('tests half-open ranges with exact 64-bit keys', () => {
    expect(inRange({ start: '10', end: '20' }, 10)).toBe(true);
    expect(inRange({ start: '10', end: '20' }, 20n)).toBe(false);
    expect(inRange({ end: '10' }, -5)).toBe(true);
    expect(inRange({ start: '18446744073709551614' }, 18446744073709551615n)).toBe(true);
    expect(inRange({}, 'text')).toBe(true);
    expect(integerKey('12')).toBe(12n);
    expect(integerKey(1.5)).toBeUndefined();
  });

  it('drops a change only when its transaction started before its chunk’s high watermark', () => {
    const index = new ChunkIndex([
      { db: 'd', table: 't', chunkKey: 'id', end: '100', highWatermark: { file: 'b.1', pos: 500 } },
      { db: 'd', table: 't', chunkKey: 'id', start: '100', highWatermark: { file: 'b.1', pos: 900 } },
    ]);
    const at = (pos: number) => ({ file: 'b.1', pos });
    expect(index.covers('d', 't', { id: 5 }, at(400))).toBe(true);
    expect(index.covers('d', 't', { id: 5 }, at(500))).toBe(false);
    expect(index.covers('d', 't', { id: 150n }, at(800))).toBe(true);
    expect(index.covers('d', 't', { id: 150n }, at(900))).toBe(false);
    expect(index.covers('d', 'other', { id: 5 }, at(1))).toBe(false);
    expect(index.isPast(at(900))).toBe(true);
    expect(index.isPast(at(899))).toBe(false);
  });
});
