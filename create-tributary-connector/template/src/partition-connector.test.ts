import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionSource, CollectSink, Pipeline, silentLogger } from '@tributary/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionAsyncSink } from './partition-async-sink.js';
import { appendToPartition, readPartitions } from './partition-files.js';
import { PartitionSink } from './partition-sink.js';
import { PartitionSource } from './partition-source.js';

// Unit tests against the fake service (a temporary directory); the contract suites in test/ add
// checkpoints, savepoints, rescaling and SIGKILLs.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'partitions-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const records = Array.from({ length: 250 }, (_, i) => ({ id: i }));

describe('PartitionSource', () => {
  it('reads every line of every partition, each partition in order', async () => {
    await appendToPartition(dir, 'a', records.slice(0, 100));
    await appendToPartition(dir, 'b', records.slice(100));
    using out = CollectSink.create<{ id: number }>();
    await Pipeline.from(new PartitionSource<{ id: number }>({ directory: dir }))
      .sinkTo(out.sink)
      .execute({ parallelism: 2 });
    const ids = out.results().map((r) => r.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(records.map((r) => r.id));
    expect(ids.filter((id) => id < 100)).toEqual(records.slice(0, 100).map((r) => r.id));
  });

  it('fails naming the file and offset of an invalid line', async () => {
    await appendToPartition(dir, 'a', [{ id: 1 }, 'x']); // 9 + 4 bytes
    await appendFile(join(dir, 'a.jsonl'), '{not json\n');
    using out = CollectSink.create<unknown>();
    await expect(
      Pipeline.from(new PartitionSource({ directory: dir }))
        .sinkTo(out.sink)
        .execute({ parallelism: 1 }, { logger: silentLogger }),
    ).rejects.toThrow(/Invalid JSON line in .*a\.jsonl at byte 13/);
  });
});

describe('sinks', () => {
  it('the two-phase-commit sink publishes every record once, no staging file left', async () => {
    await Pipeline.from(CollectionSource.of(records))
      .sinkTo(new PartitionSink({ directory: dir }))
      .execute({ parallelism: 2, checkpointing: { intervalMs: 50, directory: join(dir, '.checkpoints') } });
    const written = await readPartitions<{ id: number }>(dir);
    expect(written.map((r) => r.id).sort((x, y) => x - y)).toEqual(records.map((r) => r.id));
    expect(await readdir(join(dir, '.staging'))).toEqual([]);
  });

  it('the async sink writes every record in batches of at most maxBatchSize', async () => {
    await Pipeline.from(CollectionSource.of(records))
      .sinkTo(new PartitionAsyncSink({ directory: dir, maxBatchSize: 40, maxBufferedRequests: 80 }))
      .execute({ parallelism: 2 });
    const written = await readPartitions<{ id: number }>(dir);
    expect(written.map((r) => r.id).sort((x, y) => x - y)).toEqual(records.map((r) => r.id));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThanOrEqual(Math.ceil(records.length / 40));
  });
});
