import type { MessageId } from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import { decodeEntries, encodeEntries } from './pulsar-entry-ranges.js';

const id = (ledger: number, entry: number, batchIndex = -1): MessageId => ({
  ledgerId: BigInt(ledger),
  entryId: BigInt(entry),
  partition: 3,
  batchIndex,
  batchSize: batchIndex >= 0 ? 10 : 0,
});
const keys = (ids: readonly MessageId[]) => ids.map((e) => `${e.ledgerId}:${e.entryId}`);

describe('entry ranges', () => {
  it('writes runs of a ledger as ranges, in ledger and entry order, each entry once', () => {
    const entries = [id(13, 7), id(12, 0), id(12, 1), id(12, 2), id(12, 5), id(13, 6), id(12, 1, 4)];
    expect(encodeEntries(entries)).toBe('12:0-2,12:5,13:6-7');
    expect(keys(decodeEntries('12:0-2,12:5,13:6-7'))).toEqual([
      '12:0',
      '12:1',
      '12:2',
      '12:5',
      '13:6',
      '13:7',
    ]);
  });

  it('round-trips pseudo-random entry sets beyond 2^53', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const entries: MessageId[] = [];
      for (let i = next() % 40; i > 0; i--) {
        entries.push({ ...id(0, 0), ledgerId: 2n ** 60n + BigInt(next() % 3), entryId: BigInt(next() % 60) });
      }
      const expected = [...new Set(keys(entries))].sort((a, b) => {
        const [la, ea] = a.split(':').map(BigInt) as [bigint, bigint];
        const [lb, eb] = b.split(':').map(BigInt) as [bigint, bigint];
        return la === lb ? Number(ea - eb) : la < lb ? -1 : 1;
      });
      expect(keys(decodeEntries(encodeEntries(entries)))).toEqual(expected);
    }
  });

  it('decodes whole entries and rejects what is not an entry list', () => {
    expect(decodeEntries('')).toEqual([]);
    expect(decodeEntries('4:9')).toEqual([
      { ledgerId: 4n, entryId: 9n, partition: -1, batchIndex: -1, batchSize: 0 },
    ]);
    expect(() => decodeEntries('4:9,x')).toThrow(/'x'/);
  });
});
