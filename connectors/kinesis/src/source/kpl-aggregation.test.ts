import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';
import { aggregate, deaggregate, KPL_MAGIC } from './kpl-aggregation.js';

const text = (b: Uint8Array) => Buffer.from(b).toString();

describe('KPL de-aggregation', () => {
  it('splits an aggregated record into its user records with their keys', () => {
    const records = [
      { partitionKey: 'a', explicitHashKey: undefined, data: Buffer.from('one') },
      { partitionKey: 'b', explicitHashKey: '123', data: Buffer.from('two'.repeat(100)) },
      { partitionKey: 'a', explicitHashKey: undefined, data: Buffer.from('') },
    ];
    const users = deaggregate(aggregate(records), 'outer', 'shard', '1');
    expect(users?.map((u) => [u.partitionKey, u.explicitHashKey, text(u.data)])).toEqual([
      ['a', undefined, 'one'],
      ['b', '123', 'two'.repeat(100)],
      ['a', undefined, ''],
    ]);
  });

  it('leaves plain records alone: no magic, or a checksum that does not match', () => {
    expect(deaggregate(Buffer.from('{"plain":"json record"}'), 'k', 's', '1')).toBeUndefined();
    const tampered = aggregate([{ partitionKey: 'a', explicitHashKey: undefined, data: Buffer.from('x') }]);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0xff;
    expect(deaggregate(tampered, 'k', 's', '1')).toBeUndefined();
  });

  it('names the record when the checksum matches but the protobuf is malformed', async () => {
    const { createHash } = await import('node:crypto');
    const body = Uint8Array.of(0x1a, 0x05, 0x08); // field 3, length 5, truncated
    const bad = Buffer.concat([KPL_MAGIC, body, createHash('md5').update(body).digest()]);
    let error: unknown;
    try {
      deaggregate(bad, 'key', 'shardId-000000000001', '4950');
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, KinesisErrorCodes.AGGREGATION_INVALID)).toBe(true);
    expect((error as Error).message).toContain('shardId-000000000001@4950');
  });
});
