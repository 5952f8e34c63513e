import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeService } from '../services/service-description.js';
import { useService } from '../services/use-service.js';
import type { KinesisService } from './kinesis-service.js';

describe('kinesis service', () => {
  let kinesis: KinesisService;
  let client: KinesisClient;

  beforeAll(async () => {
    kinesis = await useService('kinesis');
    client = kinesis.createClient();
  });
  afterAll(async () => {
    await kinesis?.close();
  });

  it('creates an active stream, puts records and reads them back from every shard', async () => {
    const stream = await kinesis.createStream({ shards: 2 });
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');

    const values = Array.from({ length: 20 }, (_, i) => `record-${i}`);
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: values.map((value, i) => ({ Data: Buffer.from(value), PartitionKey: `key-${i}` })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);

    const shards = await client.send(new ListShardsCommand({ StreamName: stream }));
    expect(shards.Shards).toHaveLength(2);
    const read: string[] = [];
    for (const shard of shards.Shards ?? []) {
      const iterator = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const records = await client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
      read.push(...(records.Records ?? []).map((record) => Buffer.from(record.Data ?? []).toString()));
    }
    expect(read.sort()).toEqual([...values].sort());
  });

  it('gives a disposable handle from a description and deletes its streams on dispose', async () => {
    let stream: string;
    {
      await using scoped = await describeService('kinesis').start();
      expect(scoped.connection.endpoint).toBe(kinesis.connection.endpoint);
      stream = await scoped.createStream();
    }
    const remaining = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream })).then(
      (summary) => summary.StreamDescriptionSummary?.StreamStatus,
      (error: Error) => error.name,
    );
    expect(['DELETING', 'ResourceNotFoundException']).toContain(remaining);
  });
});
