import { HybridSource, Pipeline, type Sink, silentLogger } from '@tributary/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_KINDS, openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcSource } from './jdbc-source.js';
import type { KeyValue } from './jdbc-source-split.js';

const env = { logger: silentLogger };
const HISTORY = 1500;
const LIVE = 300;

describe.each(ALL_KINDS)('HybridSource: bounded JdbcSource scan, then incremental polling, on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind, 'hybrid');
    await db.exec(
      `CREATE TABLE orders (id BIGINT PRIMARY KEY, note ${kind === 'mariadb' ? 'VARCHAR(40)' : 'TEXT'})`,
    );
    for (let start = 1; start <= HISTORY; start += 500) {
      const ids = Array.from({ length: 500 }, (_, k) => start + k);
      await db.exec(
        `INSERT INTO orders (id, note) VALUES ${ids.map(() => '(?, ?)').join(', ')}`,
        ids.flatMap((id) => [id, `history-${id}`]),
      );
    }
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reads every row exactly once across the switch, rows inserted while the scan runs included', async () => {
    const positions: unknown[] = [];
    const source = HybridSource.builder<number>(
      new JdbcSource(
        { ...db.connection, table: 'orders', partitionColumn: 'id', numPartitions: 3, fetchSize: 25 },
        (row) => Number(row.id),
      ),
    )
      .addSource(({ previousEndPosition }) => {
        positions.push(previousEndPosition);
        return new JdbcSource(
          {
            ...db.connection,
            table: 'orders',
            mode: 'incrementing',
            incrementingColumn: 'id',
            pollIntervalMs: 50,
            startAfter: previousEndPosition as KeyValue[],
          },
          (row) => Number(row.id),
        );
      }, 'unbounded')
      .build();
    // The sink holds the pipeline at its first batch until new rows are committed: the bounded
    // scan has read at most a few chunks then, so its open-ended last split reads after them.
    const ids: number[] = [];
    let inserted: Promise<void> | undefined;
    const insertLive = async () => {
      for (let id = HISTORY + 1; id <= HISTORY + LIVE; id += 50) {
        const batch = Array.from({ length: 50 }, (_, k) => id + k);
        await db.exec(
          `INSERT INTO orders (id, note) VALUES ${batch.map(() => '(?, ?)').join(', ')}`,
          batch.flatMap((i) => [i, `live-${i}`]),
        );
      }
    };
    const sink: Sink<number> = {
      createWriter: () => ({
        async write(batch) {
          inserted ??= insertLive();
          await inserted;
          ids.push(...batch);
        },
        async flush() {},
        async close() {},
      }),
    };
    const job = Pipeline.from(source).sinkTo(sink).start({ parallelism: 2 }, env);
    try {
      for (let i = 0; i < 600 && ids.length < HISTORY + LIVE; i++)
        await new Promise((r) => setTimeout(r, 50));
      // A little longer: a duplicate would arrive now.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await job.cancel();
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: HISTORY + LIVE }, (_, i) => i + 1));
    // The bounded scan ended where the table ended when it was planned.
    expect(positions.length).toBeGreaterThan(0);
    const end = positions[0] as KeyValue[];
    const endId = Number(
      typeof end[0] === 'object' && end[0] !== null && '$bigint' in end[0] ? end[0].$bigint : end[0],
    );
    expect(endId).toBeGreaterThanOrEqual(HISTORY);
    expect(endId).toBeLessThan(HISTORY + LIVE);
  });
});
