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

  it('follows other tables’ commits, a rotate to the new file’s start, and on an idle server heartbeats past it', async () => {
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

      // A new binlog file and nothing written. Its rotate event is a transaction boundary: the
      // position reaches the file's start (pos 4) without a commit there.
      await t.connection.query('FLUSH BINARY LOGS');
      const rotated = await master();
      const newFile = { file: rotated.file, pos: 4 };
      const atStart = (await reaches(newFile)) as BinlogPosition;
      expect(compareBinlogPositions(atStart, newFile), JSON.stringify(atStart)).toBeGreaterThanOrEqual(0);
      // Past the new file's header events, where the server stands: nothing is written, so only a
      // heartbeat can name that position.
      expect(rotated.pos).toBeGreaterThan(4);
      const saved = (await reaches(rotated)) as BinlogPosition;
      expect(compareBinlogPositions(saved, rotated), JSON.stringify(saved)).toBeGreaterThanOrEqual(0);
    } finally {
      await results.client.cancel();
      await iterator.return?.();
    }
  });

  it('reaches a new binlog file’s start through its rotate event alone, without heartbeats', async () => {
    await t.connection.query('CREATE TABLE quiet (id INT PRIMARY KEY)');
    await t.connection.query('INSERT INTO quiet VALUES (1)');
    const source = new MySqlCdcSource(cdcOptions(t.mariadb, [`${t.db}\\.quiet`], { heartbeatIntervalMs: 0 }));
    const results = Pipeline.from(source).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      { logger: silentLogger },
    );
    const iterator = results[Symbol.asyncIterator]();
    await iterator.next(); // the snapshot row
    try {
      await t.connection.query('FLUSH BINARY LOGS');
      const newFile = { file: (await master()).file, pos: 4 };
      let saved: BinlogPosition | undefined;
      for (let attempt = 0; attempt < 150; attempt++) {
        saved = await savedBinlogOffset(
          source,
          await results.client.triggerSavepoint(join(t.dir, 'sp-quiet')),
        );
        if (saved !== undefined && compareBinlogPositions(saved, newFile) >= 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // Exactly the start: no heartbeat, no commit carried it further.
      expect(saved).toMatchObject(newFile);
    } finally {
      await results.client.cancel();
      await iterator.return?.();
    }
  });
});
