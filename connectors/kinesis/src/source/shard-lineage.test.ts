import { describe, expect, it } from 'vitest';
import { parentsFinished, type ShardInfo, shardOwner } from './shard-lineage.js';

const MAX = (1n << 128n) - 1n;

describe('shard lineage', () => {
  it('owns shards by the middle of their hash range, uniformly over the readers', () => {
    const width = (MAX + 1n) / 8n;
    const owners = Array.from({ length: 8 }, (_, i) =>
      shardOwner(
        { startingHashKey: String(width * BigInt(i)), endingHashKey: String(width * BigInt(i + 1) - 1n) },
        4,
      ),
    );
    expect(owners).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(shardOwner({ startingHashKey: '0', endingHashKey: String(MAX) }, 1)).toBe(0);
    expect(shardOwner({ startingHashKey: String(MAX), endingHashKey: String(MAX) }, 3)).toBe(2);
  });

  it('waits for every listed parent; a parent trimmed from the listing counts as ended', () => {
    const child: ShardInfo = {
      shardId: 'c',
      parentShardIds: ['a', 'b'],
      startingHashKey: '0',
      endingHashKey: '1',
      startingSequenceNumber: '1',
    };
    const listed = new Map([
      ['a', { ...child, shardId: 'a', parentShardIds: [] }],
      ['b', { ...child, shardId: 'b', parentShardIds: [] }],
    ]);
    expect(parentsFinished(child, new Set(['a']), listed)).toBe(false);
    expect(parentsFinished(child, new Set(['a', 'b']), listed)).toBe(true);
    listed.delete('b');
    expect(parentsFinished(child, new Set(['a']), listed)).toBe(true);
  });
});
