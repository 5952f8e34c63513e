/**
 * Throttling: kinesalite has no throughput limits, so a proxy in front of it
 * (testing-fixtures/throttling-proxy.ts) enforces small per-shard limits the way Kinesis does.
 * The sink and the source run through the proxy, slow down, and still write / read every record
 * without failing; the output is checked with the plain SDK directly against kinesalite.
 */
import { CollectSink, DataGeneratorSource, MetricRegistry, Pipeline, silentLogger } from '@tributary/core';
import { type KinesisService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisRecordSerializer } from './sink/kinesis-record-serializer.js';
import { KinesisSink } from './sink/kinesis-sink.js';
import { valueOnly } from './source/kinesis-record.js';
import { KinesisSource } from './source/kinesis-source.js';
import { listAllShards, readWholeStream } from './testing-fixtures/stream-oracle.js';
import { startThrottlingProxy, type ThrottlingProxy } from './testing-fixtures/throttling-proxy.js';

const RECORDS = 1_500;

describe('Kinesis sink and source under per-shard throttling (kinesalite behind a throttling proxy)', () => {
  let kinesis: KinesisService;
  let proxy: ThrottlingProxy | undefined;
  beforeAll(async () => {
    kinesis = await useService('kinesis');
  });
  afterAll(async () => {
    await proxy?.close();
    await kinesis?.close();
  });

  it('slows down and delivers every record, then reads them all back at 1 GetRecords call/s per shard', async () => {
    const stream = await kinesis.createStream({ prefix: 'throttle', shards: 2 });
    const admin = kinesis.createClient();
    const shards = (await listAllShards(admin, stream)).map((s) => ({
      shardId: s.ShardId as string,
      start: BigInt(s.HashKeyRange?.StartingHashKey ?? 0),
      end: BigInt(s.HashKeyRange?.EndingHashKey ?? 0),
    }));
    proxy = await startThrottlingProxy(kinesis.connection.endpoint, shards, {
      putRecordsPerSecondPerShard: 100,
      getRecordsCallsPerSecondPerShard: 1,
    });
    const connection = {
      endpoint: proxy.endpoint,
      region: kinesis.connection.region,
      credentials: { ...kinesis.connection.credentials },
    };

    const registry = new MetricRegistry();
    const written = await Pipeline.from(
      new DataGeneratorSource<number>({ generator: (i) => i, count: RECORDS }),
    )
      .sinkTo(
        new KinesisSink<number>(
          {
            ...connection,
            streamName: stream,
            maxInFlightRequests: 4,
            retryInitialDelayMs: 50,
            retryMaxDelayMs: 1_000,
          },
          kinesisRecordSerializer({ value: { serialize: (i) => Buffer.from(String(i)) } }),
        ),
        { name: 'sink' },
      )
      .execute({ parallelism: 1 }, { metricRegistry: registry, logger: silentLogger });
    expect(written.status).toBe('finished');
    expect(proxy.throttledPutEntries()).toBeGreaterThan(0);
    const sendErrors = registry.sum('numRecordsSendErrors');
    expect(sendErrors).toBeGreaterThan(0);
    const stored = (await readWholeStream(admin, stream)).map((r) => Number(r.text));
    expect(new Set(stored).size).toBe(RECORDS);
    expect(stored).toHaveLength(RECORDS); // proxy-rejected entries were never stored: no duplicates

    using collected = CollectSink.create<string>();
    const read = await Pipeline.from(
      new KinesisSource<string>(
        {
          ...connection,
          streamName: stream,
          startingPosition: 'trim-horizon',
          stoppingPosition: 'latest',
          getRecordsMaxRecords: 100, // many calls: 5 per second per shard would exceed the proxy's 1
          throttleBackoffInitialMs: 100,
          throttleBackoffMaxMs: 1_000,
        },
        valueOnly({ deserialize: (bytes: Uint8Array) => Buffer.from(bytes).toString() }),
      ),
    )
      .sinkTo(collected.sink)
      .execute({ parallelism: 1 }, { logger: silentLogger });
    expect(read.status).toBe('finished');
    expect(proxy.throttledGetRecords()).toBeGreaterThan(0);
    expect(
      collected
        .results()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
  }, 120_000);
});
