/**
 * Start positions on kinesalite: `trim-horizon` reads everything, `{ timestamp }` only records
 * that arrived at or after it; a bounded read ends at the records that arrived before its stop.
 * `latest` (pinned to AT_TIMESTAMP of the job start, see the enumerator unit test) has no test
 * here: kinesalite never answers GetShardIterator AT_TIMESTAMP for a shard with no record after
 * the timestamp (AWS returns an iterator at the tip), so every shard must hold a later record.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CollectSink, Pipeline, silentLogger, sleep } from '@tributary/core';
import { type KinesisService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valueOnly } from './source/kinesis-record.js';
import { KinesisSource } from './source/kinesis-source.js';
import type { KinesisSourceOptionsInput } from './source/kinesis-source-options.js';

describe('KinesisSource start positions (kinesalite)', () => {
  let kinesis: KinesisService;
  beforeAll(async () => {
    kinesis = await useService('kinesis');
  });
  afterAll(async () => {
    await kinesis?.close();
  });

  // Alternating between the two shards' hash ranges: every shard gets records.
  const put = async (stream: string, values: readonly string[]) => {
    const result = await kinesis.createClient().send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: values.map((v, i) => ({
          Data: Buffer.from(v),
          PartitionKey: v,
          ExplicitHashKey: i % 2 === 0 ? '0' : String((1n << 127n) + 1n),
        })),
      }),
    );
    expect(result.FailedRecordCount ?? 0).toBe(0);
  };
  const sourceOf = (stream: string, options: Partial<KinesisSourceOptionsInput>) =>
    new KinesisSource<string>(
      {
        endpoint: kinesis.connection.endpoint,
        region: kinesis.connection.region,
        credentials: { ...kinesis.connection.credentials },
        streamName: stream,
        idleIntervalMs: 200,
        ...options,
      },
      valueOnly({ deserialize: (bytes: Uint8Array) => Buffer.from(bytes).toString() }),
    );
  const readAll = async (source: KinesisSource<string>) => {
    using out = CollectSink.create<string>();
    const result = await Pipeline.from(source)
      .sinkTo(out.sink)
      .execute({ parallelism: 2 }, { logger: silentLogger });
    expect(result.status).toBe('finished');
    return out.results().sort();
  };

  it('trim-horizon and { timestamp }, bounded by latest', async () => {
    // Every shard holds records after `between` (see the note on kinesalite above).
    const stream = await kinesis.createStream({ prefix: 'positions', shards: 2 });
    await put(stream, ['a1', 'a2', 'a3']);
    await sleep(1_100); // arrival timestamps have millisecond precision; keep the batches apart
    const between = Date.now();
    await sleep(1_100);
    await put(stream, ['b1', 'b2']);
    await sleep(50);
    expect(
      await readAll(sourceOf(stream, { startingPosition: 'trim-horizon', stoppingPosition: 'latest' })),
    ).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(
      await readAll(
        sourceOf(stream, { startingPosition: { timestamp: between }, stoppingPosition: 'latest' }),
      ),
    ).toEqual(['b1', 'b2']);
    // A bounded read stopping between the batches ends after the first one.
    expect(
      await readAll(
        sourceOf(stream, { startingPosition: 'trim-horizon', stoppingPosition: { timestamp: between } }),
      ),
    ).toEqual(['a1', 'a2', 'a3']);
  });
});
