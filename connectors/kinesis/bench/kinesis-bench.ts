/**
 * Kinesis connector benchmark against kinesalite from `@tributary/e2e` (started on first use).
 *
 * In one run, alternating the order per round, after a warm-up round, median of ROUNDS:
 *  - sink: `KinesisSink` through a Tributary job vs a hand-written PutRecords loop with the same
 *    batch size (500) and the same number of requests in flight (4, from the start:
 *    `initialMaxInFlightRecords`), same partition keys;
 *  - source: a bounded `KinesisSource` job vs a hand-written GetRecords loop (one loop per shard,
 *    same Limit, same 200 ms minimum between calls on a shard, ends at the first empty answer
 *    at the tip), both timed from the first record to the last one (start-up, end detection
 *    and job teardown excluded on both sides: with a few seconds of data they would dominate).
 * Prints a table and one `BENCH_JSON {...}` line. Ratios are Tributary / raw (target ≥ 0.9 for
 * the sink); nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-kinesis bench` (`BENCH_SCALE=0.2` for a quick run).
 */
import { performance } from 'node:perf_hooks';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { type KinesisService, useService } from '@tributary/e2e';
import { kinesisRecordSerializer } from '../src/sink/kinesis-record-serializer.js';
import { KinesisSink } from '../src/sink/kinesis-sink.js';
import { valueOnly } from '../src/source/kinesis-record.js';
import { KinesisSource } from '../src/source/kinesis-source.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const RECORDS = Math.round(40_000 * scale);
const SHARDS = 4;
const BATCH = 500;
const IN_FLIGHT = 4;
const ROUNDS = 3;
const PAYLOAD = Buffer.alloc(100, 'x');
const keyOf = (i: number) => `key-${i % 64}`;
const GET_LIMIT = 10_000;
const GET_INTERVAL_MS = 200;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** PutRecords batches of BATCH with IN_FLIGHT requests at once; rejected entries are resent. */
async function rawPut(client: KinesisClient, stream: string): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < RECORDS) {
      const from = next;
      next = Math.min(RECORDS, next + BATCH);
      let entries = Array.from({ length: next - from }, (_, k) => ({
        Data: PAYLOAD,
        PartitionKey: keyOf(from + k),
      }));
      while (entries.length > 0) {
        const result = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
        entries = result.FailedRecordCount
          ? entries.filter((_, i) => result.Records?.[i]?.ErrorCode !== undefined)
          : [];
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return performance.now() - start;
}

async function tributaryPut(kinesis: KinesisService, stream: string): Promise<number> {
  const start = performance.now();
  await Pipeline.from(new DataGeneratorSource<number>({ generator: (i) => i, count: RECORDS }))
    .sinkTo(
      new KinesisSink<number>(
        {
          endpoint: kinesis.connection.endpoint,
          region: kinesis.connection.region,
          credentials: { ...kinesis.connection.credentials },
          streamName: stream,
          maxBatchSize: BATCH,
          maxInFlightRequests: IN_FLIGHT,
          // The raw loop has IN_FLIGHT requests out from the start: so does the sink here (its
          // default ramps up from one request, which a 10k-record run never finishes doing).
          initialMaxInFlightRecords: BATCH * IN_FLIGHT,
        },
        kinesisRecordSerializer({ value: { serialize: () => PAYLOAD }, partitionKey: keyOf }),
      ),
    )
    .execute({ parallelism: 1 }, { logger: silentLogger });
  return performance.now() - start;
}

/** One loop per shard from TRIM_HORIZON, paced like the source; first record to last shard's end. */
async function rawGet(client: KinesisClient, stream: string): Promise<number> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let first = 0;
  let last = 0;
  let seen = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      for (;;) {
        const startedAt = performance.now();
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT }));
        const records = page.Records ?? [];
        if (records.length > 0 && first === 0) first = performance.now();
        seen += records.length;
        if (records.length > 0) last = performance.now();
        if (records.length === 0 && page.MillisBehindLatest === 0) return;
        iterator = page.NextShardIterator;
        const wait = GET_INTERVAL_MS - (performance.now() - startedAt);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
  if (seen !== RECORDS) throw new Error(`raw loop read ${seen} of ${RECORDS}`);
  return last - first;
}

async function tributaryGet(kinesis: KinesisService, stream: string): Promise<number> {
  let first = 0;
  let last = 0;
  let seen = 0;
  await Pipeline.from(
    new KinesisSource<Uint8Array>(
      {
        endpoint: kinesis.connection.endpoint,
        region: kinesis.connection.region,
        credentials: { ...kinesis.connection.credentials },
        streamName: stream,
        startingPosition: 'trim-horizon',
        stoppingPosition: 'latest',
        getRecordsMaxRecords: GET_LIMIT,
        getRecordsIntervalMs: GET_INTERVAL_MS,
      },
      valueOnly({ deserialize: (bytes: Uint8Array) => bytes }),
    ),
  )
    .map((v) => {
      if (first === 0) first = performance.now();
      if (++seen === RECORDS) last = performance.now();
      return v;
    })
    .sinkTo(new DiscardingSink<Uint8Array>())
    .execute({ parallelism: 1 }, { logger: silentLogger });
  if (seen !== RECORDS) throw new Error(`source read ${seen} of ${RECORDS}`);
  return last - first;
}

const kinesis = await useService('kinesis');
const client = kinesis.createClient({ maxAttempts: 10 });
const results = {
  sink: { raw: [] as number[], tributary: [] as number[] },
  source: { raw: [] as number[], tributary: [] as number[] },
};
try {
  for (let round = 0; round <= ROUNDS; round++) {
    const warmUp = round === 0;
    const rawFirst = round % 2 === 1;
    const rawStream = await kinesis.createStream({ prefix: 'bench-raw', shards: SHARDS });
    const tribStream = await kinesis.createStream({ prefix: 'bench-trib', shards: SHARDS });
    const put = rawFirst
      ? [await rawPut(client, rawStream), await tributaryPut(kinesis, tribStream)]
      : [await tributaryPut(kinesis, tribStream), await rawPut(client, rawStream)].reverse();
    // Both streams now hold the same records: read each with the other reader too.
    const get = rawFirst
      ? [await rawGet(client, tribStream), await tributaryGet(kinesis, rawStream)]
      : [await tributaryGet(kinesis, rawStream), await rawGet(client, tribStream)].reverse();
    await kinesis.deleteStream(rawStream);
    await kinesis.deleteStream(tribStream);
    if (warmUp) continue;
    results.sink.raw.push(RECORDS / ((put[0] as number) / 1000));
    results.sink.tributary.push(RECORDS / ((put[1] as number) / 1000));
    results.source.raw.push(RECORDS / ((get[0] as number) / 1000));
    results.source.tributary.push(RECORDS / ((get[1] as number) / 1000));
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, r]) => {
      const raw = Math.round(median(r.raw));
      const tributary = Math.round(median(r.tributary));
      return [name, { raw, tributary, ratio: Math.round((tributary / raw) * 100) / 100 }];
    }),
  );
  process.stdout.write(
    `Kinesis (kinesalite), ${RECORDS} × 100 B records, ${SHARDS} shards, median of ${ROUNDS} rounds\n`,
  );
  process.stdout.write('             raw rec/s  tributary rec/s  ratio\n');
  for (const [name, s] of Object.entries(summary))
    process.stdout.write(
      `${name.padEnd(12)} ${String(s.raw).padStart(9)}  ${String(s.tributary).padStart(15)}  ${s.ratio}\n`,
    );
  process.stdout.write(
    `BENCH_JSON ${JSON.stringify({ records: RECORDS, shards: SHARDS, batch: BATCH, inFlight: IN_FLIGHT, ...summary })}\n`,
  );
} finally {
  await kinesis.close();
}
