import { join } from 'node:path';
import { Pipeline, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { type BinlogPosition, compareBinlogPositions } from '../binlog/binlog-position.js';
import { cdcOptions, masterStatus, savedBinlogOffset } from '../testing-fixtures/cdc-fixtures.js';
import { useCdcTestDatabase } from '../testing-fixtures/cdc-test-database.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

describe('the saved binlog position of an idle captured table', () => {
  // Private: after FLUSH BINARY LOGS nothing else may write, so only a heartbeat can move the position.
  const t = useCdcTestDatabase('idle', { private: true });

  const master = () => masterStatus(t.connection);

  it('follows other tables’ commits and, on an idle server, heartbeats into a new binlog file', async () => {
    await t.connection.query('CREATE TABLE captured (id INT PRIMARY KEY)');
    await t.connection.query('CREATE TABLE busy (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    await t.connection.query('INSERT INTO captured VALUES (1)');
    const source = new MySqlCdcSource(
      cdcOptions(t.mariadb, [`${t.db}\\.captured`], { heartbeatIntervalMs: 200 }),
    );
    const results = Pipeline.from(source).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      { logger: silentLogger },
    );
    const iterator = results[Symbol.asyncIterator]();
    await iterator.next(); // the snapshot row: from here on `captured` stays idle

    /** The binlog offset in a fresh savepoint (the state a restore would resume from). */
    const savedPosition = async (): Promise<BinlogPosition | undefined> =>
      savedBinlogOffset(source, await results.client.triggerSavepoint(join(t.dir, 'sp')));
    const reaches = async (target: BinlogPosition): Promise<BinlogPosition | undefined> => {
      let saved: BinlogPosition | undefined;
      for (let attempt = 0; attempt < 150; attempt++) {
        saved = await savedPosition();
        if (saved !== undefined && compareBinlogPositions(saved, target) >= 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      return saved;
    };

    try {
      for (let i = 0; i < 5; i++) await t.connection.query('INSERT INTO busy (v) VALUES (?)', [i]);
      const afterBusy = await master();
      const followed = (await reaches(afterBusy)) as BinlogPosition;
      expect(compareBinlogPositions(followed, afterBusy), JSON.stringify(followed)).toBeGreaterThanOrEqual(0);

      // A new binlog file and nothing written: only a heartbeat can carry the position there.
      await t.connection.query('FLUSH BINARY LOGS');
      const rotated = await master();
      const newFile = { file: rotated.file, pos: 4 };
      const saved = (await reaches(newFile)) as BinlogPosition;
      expect(compareBinlogPositions(saved, newFile), JSON.stringify(saved)).toBeGreaterThan(0);
    } finally {
      await results.client.cancel();
      await iterator.return?.();
    }
  });
});
