import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CollectSink, hasErrorCode, Pipeline, Source, silentLogger } from '../../index.js';

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Source.fromAsyncIterable and executeAndCollect', () => {
  it('docs/concepts.md example: a paginated API read with checkpointed cursors, results iterated', async () => {
    // #region from-async-iterable-example
    // A paginated API: each page holds items and the cursor of the next page.
    async function fetchPage(cursor: number): Promise<{ items: string[]; next: number | undefined }> {
      const items = Array.from({ length: 10 }, (_, i) => `item-${cursor * 10 + i}`);
      return { items, next: cursor < 4 ? cursor + 1 : undefined };
    }
    interface Item {
      readonly page: number;
      readonly value: string;
    }
    // Reads from the checkpointed page on: a restore re-reads at most the page it stopped in.
    async function* pages(from: { page: number; index: number } | undefined): AsyncGenerator<Item> {
      for (let cursor: number | undefined = from?.page ?? 0; cursor !== undefined; ) {
        const page = await fetchPage(cursor);
        for (const [index, value] of page.items.entries()) {
          if (from && cursor === from.page && index <= from.index) continue;
          yield { page: cursor, value };
        }
        cursor = page.next;
      }
    }
    const source = Source.fromAsyncIterable(pages, {
      // The position after a record: its page and its index in the page.
      positions: (item: Item, previous) => ({
        page: item.page,
        index: previous?.page === item.page ? previous.index + 1 : 0,
      }),
    });

    const values: string[] = [];
    for await (const item of Pipeline.from(source).executeAndCollect(
      { parallelism: 2 },
      { logger: silentLogger },
    )) {
      values.push(item.value);
    }
    // #endregion from-async-iterable-example
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `item-${i}`));
  });

  for (const withPositions of [true, false]) {
    it(`resumes from a savepoint at the checkpointed position (${withPositions ? 'positions function' : 'replay and skip'}), exactly once`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'trib-async-iterable-'));
      const opened: (number | undefined)[] = [];
      async function* numbers(from: number | undefined): AsyncGenerator<number> {
        opened.push(from);
        for (let n = withPositions ? (from ?? -1) + 1 : 0; n < 400; n++) {
          // Paced to take at least 0.4 s: the stop below must find the job still running, also
          // on a loaded machine (at 40 ms, every record was out before the savepoint once).
          if (n % 2 === 0) await sleepMs(2);
          yield n;
        }
      }
      const source = withPositions
        ? Source.fromAsyncIterable<number, number>(numbers, { positions: (n) => n })
        : Source.fromAsyncIterable<number>(() => numbers(undefined));
      using out = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
      const job = Pipeline.from(source).sinkTo(out.sink);
      const first = job.start(
        { parallelism: 1, checkpointing: { intervalMs: 20, directory: join(dir, 'a') } },
        { logger: silentLogger },
      );
      await out.waitForCount(1);
      const savepoint = await first.stopWithSavepoint({ directory: join(dir, 'sp') });
      const before = out.size;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(400);
      const second = await job.execute(
        { parallelism: 1, restoreFrom: savepoint, checkpointing: { directory: join(dir, 'b') } },
        { logger: silentLogger },
      );
      expect(second.restoredFromCheckpointId).toBeDefined();
      expect(out.results()).toEqual(Array.from({ length: 400 }, (_, i) => i));
      if (withPositions) expect(opened).toEqual([undefined, before - 1]);
      else expect(opened).toEqual([undefined, undefined]);
    });
  }

  it('a failing iterable fails the job, and the loop throws', async () => {
    async function* broken(): AsyncGenerator<number> {
      yield 1;
      throw new Error('page fetch failed');
    }
    const run = async () => {
      for await (const _ of Pipeline.from(Source.fromAsyncIterable(broken)).executeAndCollect(
        {},
        { logger: silentLogger },
      )) {
        // results of a failed job are never yielded uncommitted
      }
    };
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'TRIB_JOB_FAILED')).toBe(true);
    expect(String((error as Error).message)).toContain('page fetch failed');
  });

  it('leaving the loop early cancels an unbounded job; results arrive after each checkpoint', async () => {
    async function* endless(): AsyncGenerator<number> {
      for (let n = 0; ; n++) {
        if (n % 50 === 0) await sleepMs(1);
        yield n;
      }
    }
    const results = Pipeline.from(
      Source.fromAsyncIterable(endless, { boundedness: 'unbounded' }),
    ).executeAndCollect({ checkpointing: { intervalMs: 20 } }, { logger: silentLogger });
    const seen: number[] = [];
    for await (const n of results) {
      seen.push(n);
      if (seen.length === 500) break;
    }
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(results.client.status()).toBe('cancelled');
  });
});
