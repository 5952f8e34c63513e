import { join } from 'node:path';
import { type ChangeRecord, Pipeline, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { type BinlogPosition, compareBinlogPositions } from '../binlog/binlog-position.js';
import { cdcOptions, masterStatus, savedBinlogOffset } from '../testing-fixtures/cdc-fixtures.js';
import { useCdcTestDatabase } from '../testing-fixtures/cdc-test-database.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

const env = { logger: silentLogger };

describe('the saved binlog position over events the source skips, after a restore', () => {
  const t = useCdcTestDatabase('skipped');

  it('passes many transactions of an uncaptured table, so the next restore starts after them', async () => {
    await t.connection.query('CREATE TABLE captured (id INT PRIMARY KEY, v INT)');
    await t.connection.query(
      'CREATE TABLE other (id INT PRIMARY KEY AUTO_INCREMENT, v INT, pad VARCHAR(100))',
    );
    await t.connection.query('INSERT INTO captured VALUES (1, 0)');
    // No heartbeats: only the commits of skipped transactions can move the position.
    const options = cdcOptions(t.mariadb, [`${t.db}\\.captured`], { heartbeatIntervalMs: 0 });
    const idOf = (record: ChangeRecord) => (record.after ?? record.before)?.id;

    // Run 1: the snapshot, then a savepoint.
    const first = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      env,
    );
    let savepoint = '';
    for await (const record of first) {
      expect(idOf(record)).toBe(1);
      savepoint = await first.client.stopWithSavepoint({ directory: join(t.dir, 'sp1') });
      break;
    }

    // Run 2, restored: streams, then the uncaptured table takes many transactions.
    const source = new MySqlCdcSource(options);
    const restored = Pipeline.from(source).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 }, restoreFrom: savepoint },
      env,
    );
    const seen: unknown[] = [];
    let reached: BinlogPosition | undefined;
    let lastStart: BinlogPosition | undefined;
    let before: BinlogPosition | undefined;
    try {
      const iterator = restored[Symbol.asyncIterator]();
      await t.connection.query('INSERT INTO captured VALUES (2, 0)');
      const second = await iterator.next();
      seen.push(idOf(second.value as ChangeRecord));
      before = await savedBinlogOffset(source, await restored.client.triggerSavepoint(join(t.dir, 'sp')));

      const pad = 'x'.repeat(100);
      for (let batch = 0; batch < 200; batch++) {
        const values = Array.from({ length: 50 }, (_, i) => `(${batch * 50 + i}, '${pad}')`).join(',');
        await t.connection.query(`INSERT INTO other (v, pad) VALUES ${values}`);
      }
      // One large transaction: its events span many reader batches.
      await t.connection.query('UPDATE other SET v = v + 1');
      // The start of the last skipped transaction: the position moves only at commits, so once it
      // is past this point it is past the whole transaction. (Not the server's position after it:
      // if the binlog rotates there, the next boundary is the new file's start, before the
      // server's position past that file's header events.)
      lastStart = await masterStatus(t.connection);
      await t.connection.query('DELETE FROM other WHERE id % 2 = 0');

      for (let attempt = 0; attempt < 150; attempt++) {
        reached = await savedBinlogOffset(source, await restored.client.triggerSavepoint(join(t.dir, 'sp')));
        if (reached !== undefined && compareBinlogPositions(reached, lastStart) > 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      savepoint = await restored.client.stopWithSavepoint({ directory: join(t.dir, 'sp2') });
      await iterator.return?.();
    } finally {
      await restored.client.cancel().catch(() => {});
    }
    expect(seen).toEqual([2]);
    const last = lastStart as BinlogPosition;
    // The writes moved the server's binlog well past where the restored job saved it.
    expect(compareBinlogPositions(last, before as BinlogPosition), JSON.stringify(before)).toBeGreaterThan(0);
    expect(compareBinlogPositions(reached as BinlogPosition, last), JSON.stringify(reached)).toBeGreaterThan(
      0,
    );
    const stopped = (await savedBinlogOffset(source, savepoint)) as BinlogPosition;
    expect(compareBinlogPositions(stopped, last), JSON.stringify(stopped)).toBeGreaterThan(0);

    // Run 3, from that savepoint: the next captured change comes first, nothing is repeated.
    const third = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 }, restoreFrom: savepoint },
      env,
    );
    await t.connection.query('INSERT INTO captured VALUES (3, 0)');
    for await (const record of third) {
      expect(idOf(record)).toBe(3);
      break;
    }
  });
});
