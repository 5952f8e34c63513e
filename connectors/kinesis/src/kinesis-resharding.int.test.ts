/**
 * Resharding order: per-key sequences are written while the stream is split twice (SplitShard)
 * and merged (MergeShards) during reading. Every key's sequence must be read complete and in
 * order, and no record of a child shard may be emitted before the last record of each of its
 * parents. Run once undisturbed and once with SIGKILLs of the job process in the middle of the
 * resharding. The job runs in a child process (testing-fixtures/resharding-job.ts) writing to an
 * exactly-once store; the data is written and the stream resharded here with the plain SDK, and
 * the output is read back with `readCommitted` (no connector code in the oracle).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { readCommitted, sleep } from '@tributary/core';
import { type KinesisService, runWithCrashes, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StampedKeyRecord } from './testing-fixtures/resharding-job.js';
import { listAllShards } from './testing-fixtures/stream-oracle.js';

const KEYS = Array.from({ length: 24 }, (_, i) => `key-${i}`);
const ROUNDS = 160;
const ROUND_PAUSE_MS = 60;
const JOB = fileURLToPath(new URL('./testing-fixtures/resharding-job.ts', import.meta.url));

async function waitActive(client: KinesisClient, stream: string): Promise<void> {
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(20);
  }
}

/** The open shards in hash key order. */
async function openShards(client: KinesisClient, stream: string) {
  return (await listAllShards(client, stream))
    .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .sort((a, b) =>
      BigInt(a.HashKeyRange?.StartingHashKey ?? 0) < BigInt(b.HashKeyRange?.StartingHashKey ?? 0) ? -1 : 1,
    );
}

/** Splits the open shard at `index` (hash order) at the middle of its range. */
async function split(client: KinesisClient, stream: string, index: number): Promise<void> {
  const shard = (await openShards(client, stream))[index];
  const start = BigInt(shard?.HashKeyRange?.StartingHashKey ?? 0);
  const end = BigInt(shard?.HashKeyRange?.EndingHashKey ?? 0);
  await client.send(
    new SplitShardCommand({
      StreamName: stream,
      ShardToSplit: shard?.ShardId,
      NewStartingHashKey: String((start + end) / 2n),
    }),
  );
  await waitActive(client, stream);
}

/** Merges the open shards at `index` and `index + 1` (adjacent in hash order). */
async function merge(client: KinesisClient, stream: string, index: number): Promise<void> {
  const open = await openShards(client, stream);
  await client.send(
    new MergeShardsCommand({
      StreamName: stream,
      ShardToMerge: open[index]?.ShardId,
      AdjacentShardToMerge: open[index + 1]?.ShardId,
    }),
  );
  await waitActive(client, stream);
}

/** Writes ROUNDS rounds of one record per key (seq = round), resharding at fixed rounds. */
async function writeWhileResharding(
  client: KinesisClient,
  stream: string,
  operationTimes: number[],
  beforeMerge: () => Promise<void>,
): Promise<string[]> {
  const operations: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const result = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: KEYS.map((key) => ({
          Data: Buffer.from(JSON.stringify({ key, seq: round })),
          PartitionKey: key,
        })),
      }),
    );
    expect(result.FailedRecordCount ?? 0).toBe(0);
    if (round === 30) await split(client, stream, 0);
    if (round === 60) await split(client, stream, 2);
    if (round === 90) {
      await beforeMerge();
      await merge(client, stream, 0);
    }
    if (round === 120) await split(client, stream, 1);
    if ([30, 60, 90, 120].includes(round)) operationTimes.push(Date.now());
    if ([30, 60, 90, 120].includes(round))
      operations.push(`round ${round}: ${(await openShards(client, stream)).length} open`);
    await sleep(ROUND_PAUSE_MS);
  }
  return operations;
}

describe('Kinesis source across resharding (kinesalite, child process)', () => {
  let kinesis: KinesisService;
  let admin: KinesisClient;
  let dir: string;
  beforeAll(async () => {
    kinesis = await useService('kinesis');
    admin = kinesis.createClient();
    dir = await mkdtemp(join(tmpdir(), 'kinesis-reshard-'));
  });
  afterAll(async () => {
    await kinesis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function runCase(label: string, kills: number) {
    const stream = await kinesis.createStream({ prefix: `reshard-${label}`, shards: 2 });
    const store = join(dir, `${label}-store`);
    const stopFile = join(dir, `${label}-stop`);
    const lines: string[] = [];
    let finalRun = false;
    let written = false;
    const total = KEYS.length * ROUNDS;
    const operationTimes: number[] = [];
    const killTimes: number[] = [];
    const targets = new Map<number, number>();
    // Data is written (and the stream resharded) only once the first run is up, so the
    // resharding overlaps the runs the kills interrupt.
    let jobUp!: () => void;
    const firstRunUp = new Promise<void>((resolve) => {
      jobUp = resolve;
    });
    // Crash case: the merge waits until the job was killed once (progress kills only count after
    // the first split), so a kill always lands between a split and the merge, however slow the machine.
    let killedOnce!: () => void;
    const firstKill = new Promise<void>((resolve) => {
      killedOnce = resolve;
    });
    const beforeMerge = () => (kills === 0 ? Promise.resolve() : firstKill);
    const writing = firstRunUp
      .then(() => writeWhileResharding(admin, stream, operationTimes, beforeMerge))
      .then((ops) => {
        written = true;
        return ops;
      });
    // Once the kills are spent and everything is written: stop when the store holds it all.
    const stopper = (async () => {
      for (;;) {
        await sleep(250);
        if (!finalRun || !written) continue;
        const held = (await readCommitted<StampedKeyRecord>(store).catch(() => ({ records: [] }))).records
          .length;
        if (held >= total) break;
      }
      await writeFile(stopFile, '');
    })();
    const outcome = await runWithCrashes({
      script: JOB,
      args: [
        kinesis.connection.endpoint,
        kinesis.connection.region,
        stream,
        join(dir, `${label}-chk`),
        store,
        stopFile,
      ],
      env: {
        KINESIS_TEST_ACCESS_KEY: kinesis.connection.credentials.accessKeyId,
        KINESIS_TEST_SECRET_KEY: kinesis.connection.credentials.secretAccessKey,
      },
      kills,
      // Killed after it emitted a random 200–800 records in this run (so it got going and
      // checkpointed), once the resharding began; the timer is the fallback.
      // (long: under load a run can take many seconds to start, and a kill before it checkpointed
      // would prove nothing).
      minKillDelayMs: 20_000,
      maxKillDelayMs: 25_000,
      killOnLine: (line, run) => {
        if (!line.startsWith('progress ') || operationTimes.length === 0) return false;
        if (!targets.has(run)) targets.set(run, 200 + Math.floor(Math.random() * 600));
        if (Number(line.slice('progress '.length)) < (targets.get(run) ?? 0)) return false;
        return true;
      },
      timeoutMs: 170_000,
      onLine: (line) => {
        lines.push(line);
        if (line.startsWith('started')) jobUp();
      },
      onRunStart: (run, final) => {
        // A run after the first starts right after the previous one was killed.
        if (run > 1) {
          killTimes.push(Date.now());
          killedOnce();
        }
        if (final) finalRun = true;
      },
    });
    const operations = await writing;
    await stopper;
    expect(outcome.kills).toBe(kills);
    expect(outcome.finishedEarly).toBe(false);

    const records = (await readCommitted<StampedKeyRecord>(store)).records;
    // Emission order: runs one after another, then the emission counter within the run.
    const runs = [...new Set(records.map((r) => r.run))].sort((a, b) => a - b);
    const order = (r: StampedKeyRecord) => runs.indexOf(r.run) * 1e9 + r.n;
    // Every key: the whole sequence, once, in emission order.
    for (const key of KEYS) {
      const seqs = records
        .filter((r) => r.key === key)
        .sort((a, b) => order(a) - order(b))
        .map((r) => r.seq);
      expect(seqs, key).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
    }
    expect(records).toHaveLength(total);
    // No child record before the last record of each parent.
    const shards = await listAllShards(admin, stream);
    let childrenChecked = 0;
    for (const shard of shards) {
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p) => p !== undefined);
      const own = records.filter((r) => r.shard === shard.ShardId).map(order);
      if (parents.length === 0 || own.length === 0) continue;
      const firstOfChild = Math.min(...own);
      for (const parent of parents) {
        const ofParent = records.filter((r) => r.shard === parent).map(order);
        if (ofParent.length > 0)
          expect(Math.max(...ofParent), `${parent} before ${shard.ShardId}`).toBeLessThan(firstOfChild);
      }
      childrenChecked++;
    }
    // 4 operations: 2 + 2 + 1 + 2 children, all of which received records.
    expect(childrenChecked).toBe(7);
    return { operations, lines, outcome, operationTimes, killTimes };
  }

  it('reads every key complete and in order while shards split and merge', async () => {
    const { operations } = await runCase('plain', 0);
    expect(operations).toEqual([
      'round 30: 3 open',
      'round 60: 4 open',
      'round 90: 3 open',
      'round 120: 4 open',
    ]);
  }, 200_000);

  it('keeps every key complete and in order with SIGKILLs in the middle of the resharding', async () => {
    const { lines, outcome, operationTimes, killTimes } = await runCase('crash', 3);
    // The kills landed while the stream was being resharded: after the first split, before the last one.
    const first = operationTimes[0] as number;
    const last = operationTimes[operationTimes.length - 1] as number;
    expect(
      killTimes.filter((t) => t > first && t < last).length,
      `kills ${killTimes} ops ${operationTimes}`,
    ).toBeGreaterThan(0);
    // Every restart found completed checkpoints to restore from, and the last run restored one.
    const starts = lines.filter((l) => l.startsWith('started checkpoints='));
    expect(starts).toHaveLength(outcome.runs);
    for (const start of starts.slice(1)) expect(Number(start.split('=')[1])).toBeGreaterThan(0);
    expect(lines.find((l) => l.startsWith('ended '))).toMatch(/^ended cancelled restored=\d+$/);
  }, 200_000);
});
