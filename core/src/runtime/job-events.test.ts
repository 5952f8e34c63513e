import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CollectionSource,
  CollectSink,
  DataGeneratorSource,
  type JobEvent,
  Pipeline,
  silentLogger,
} from '../index.js';

describe('job events', () => {
  it('docs/concepts.md example: checkpoints, a failure, the restart and the restore, then the end', async () => {
    const checkpoints = await mkdtemp(join(tmpdir(), 'trib-events-'));
    let failOnce = true;
    using results = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
    const job = Pipeline.from(
      new DataGeneratorSource<number>({ generator: (i) => i, count: 3000, recordsPerSecond: 10_000 }),
    )
      .map((n) => {
        if (n === 2000 && failOnce) {
          failOnce = false;
          throw new Error('bad luck');
        }
        return n;
      })
      .sinkTo(results.sink);
    // #region job-events-example
    const client = job.start(
      {
        checkpointing: { intervalMs: 50, directory: checkpoints },
        restartStrategy: { type: 'fixed-delay', attempts: 1, delayMs: 10 },
      },
      { logger: silentLogger },
    );
    const failures: string[] = [];
    client.on('checkpointFailed', (e) => failures.push(e.error.message));
    const seen: JobEvent[] = [];
    for await (const event of client.events()) {
      seen.push(event);
      if (event.type === 'checkpointCompleted') {
        process.stdout.write(
          `checkpoint ${event.checkpointId}: ${event.sizeBytes} bytes, ${event.durationMs} ms\n`,
        );
      }
      if (event.type === 'restored')
        process.stdout.write(`restored from ${event.kind} ${event.checkpointId}\n`);
    }
    // #endregion job-events-example
    const result = await client.result;
    expect(result.restarts).toBe(1);
    const types = seen.map((e) => e.type);
    expect(types.at(-1)).toBe('finished');
    const restarting = types.indexOf('restarting');
    const restored = seen.findIndex((e) => e.type === 'restored');
    expect(restarting).toBeGreaterThan(0);
    expect(restored).toBeGreaterThan(restarting);
    const completed = seen.filter(
      (e): e is Extract<JobEvent, { type: 'checkpointCompleted' }> => e.type === 'checkpointCompleted',
    );
    // Metrics count the checkpoints an attempt completed; events also report one stored as it failed.
    expect(completed.length).toBeGreaterThanOrEqual(result.completedCheckpoints);
    expect(
      completed.every(
        (e) =>
          e.sizeBytes > 0 &&
          e.durationMs >= 0 &&
          e.location.startsWith(checkpoints) &&
          new RegExp(`chk-0*${e.checkpointId}$`).test(e.location),
      ),
    ).toBe(true);
    const restoredEvent = seen[restored] as Extract<JobEvent, { type: 'restored' }>;
    // It restored the last checkpoint completed before the failure.
    const before = completed.filter((e) => seen.indexOf(e) < restarting).at(-1);
    expect(restoredEvent).toMatchObject({
      checkpointId: before?.checkpointId,
      kind: 'checkpoint',
      attemptNumber: 1,
    });
    expect(seen.find((e) => e.type === 'restarting')).toMatchObject({
      restarts: 1,
      error: { message: 'bad luck' },
    });
    expect(seen.at(-1)).toMatchObject({
      type: 'finished',
      status: 'finished',
      lastCheckpointId: result.lastCheckpointId,
    });
    expect(failures.every((m) => typeof m === 'string')).toBe(true);
    expect([...results.results()].sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('a savepoint restore says so; a failed job ends the iterator with failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-events-sp-'));
    using out = CollectSink.create<number>();
    const job = Pipeline.from(
      new DataGeneratorSource<number>({ generator: (i) => i, count: 100_000, recordsPerSecond: 2000 }),
    ).sinkTo(out.sink);
    const first = job.start({ checkpointing: { directory: join(dir, 'a') } }, { logger: silentLogger });
    const firstEvents = first.events();
    await out.waitForCount(1);
    const savepoint = await first.stopWithSavepoint({ directory: join(dir, 'sp') });
    const firstSeen: JobEvent[] = [];
    for await (const e of firstEvents) firstSeen.push(e);
    expect(firstSeen.map((e) => e.type)).toEqual(['running', 'checkpointCompleted', 'finished']);
    expect(firstSeen[0]).toMatchObject({ attemptNumber: 0 });
    expect(firstSeen[1]).toMatchObject({ kind: 'savepoint', location: savepoint });
    expect(firstSeen[2]).toMatchObject({ status: 'stopped', savepointPath: savepoint });

    const second = job.start(
      { restoreFrom: savepoint, checkpointing: { directory: join(dir, 'b') } },
      { logger: silentLogger },
    );
    const restored = new Promise<JobEvent>((resolve) => second.on('restored', resolve));
    expect(await restored).toMatchObject({ type: 'restored', kind: 'savepoint', attemptNumber: 0 });
    await second.cancel();

    const failing = Pipeline.from(CollectionSource.of([1]))
      .map(() => {
        throw new Error('boom');
      })
      .sinkTo(out.sink)
      .start({}, { logger: silentLogger });
    const events: JobEvent[] = [];
    for await (const e of failing.events()) events.push(e);
    await failing.result.catch(() => undefined);
    // The subtask came up (its reader registered) before the map failed.
    expect(events.map((e) => e.type)).toEqual(['running', 'failed']);
    expect(String((events[1] as Extract<JobEvent, { type: 'failed' }>).error.message)).toContain('boom');
  });
});
