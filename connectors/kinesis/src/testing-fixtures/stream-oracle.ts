/**
 * Test-only oracle: reads everything a stream holds with the plain AWS SDK (no connector code),
 * shard by shard from TRIM_HORIZON, and lists the stream's shards with their lineage.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';

/** One record as read back: its shard, sequence number, partition key and text. */
export interface OracleRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly text: string;
}

/** Every shard of the stream (open and closed), following ListShards pagination. */
export async function listAllShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      token === undefined
        ? new ListShardsCommand({ StreamName: stream })
        : new ListShardsCommand({ NextToken: token }),
    );
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return shards;
}

/** All records of all shards, each shard in sequence order (shards in ListShards order). */
export async function readWholeStream(client: KinesisClient, stream: string): Promise<OracleRecord[]> {
  const out: OracleRecord[] = [];
  for (const shard of await listAllShards(client, stream)) {
    const shardId = shard.ShardId as string;
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    let atTip = false;
    while (iterator !== undefined && !atTip) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = page.Records ?? [];
      for (const r of records) {
        out.push({
          shardId,
          sequenceNumber: r.SequenceNumber as string,
          partitionKey: r.PartitionKey as string,
          text: Buffer.from(r.Data ?? []).toString('utf8'),
        });
      }
      // Empty at the tip: everything written before this call was read.
      atTip = records.length === 0 && page.MillisBehindLatest === 0;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
