import { join } from 'node:path';
import { type ChangeRecord, hasErrorCode, Pipeline, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import {
  applyChange,
  cdcOptions,
  purgeBinlogsBeforeCurrent,
  readTableText,
  textRow,
} from '../testing-fixtures/cdc-fixtures.js';
import { useCdcTestDatabase } from '../testing-fixtures/cdc-test-database.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

const env = { logger: silentLogger };

/** Walks an error's cause chain for a code (the job wraps the source's error). */
function hasCodeInChain(error: unknown, code: string): boolean {
  for (let e = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause)
    if (hasErrorCode(e, code)) return true;
  return false;
}

describe('a saved binlog position the server purged', () => {
  // Private: PURGE BINARY LOGS must not touch the shared server other tests read.
  const t = useCdcTestDatabase('purge', { private: true });

  it('fails with TRIB_CDC_BINLOG_PURGED, and with re-snapshot ends equal to the table', async () => {
    await t.connection.query('CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await t.connection.query('INSERT INTO t VALUES (1, 1), (2, 2)');
    const options = cdcOptions(t.mariadb, [`${t.db}\\.t`]);
    const view = new Map<string, Record<string, unknown>>();

    // Run 1: snapshot, one change through the binlog, then a savepoint.
    const first = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      env,
    );
    let savepoint = '';
    for await (const record of first) {
      applyChange(view, record as ChangeRecord, ['id']);
      if (view.size === 2 && !view.has('3')) await t.connection.query('INSERT INTO t VALUES (3, 3)');
      if (view.size === 3) {
        savepoint = await first.client.stopWithSavepoint({ directory: join(t.dir, 'savepoints') });
        break;
      }
    }

    // The server moves on and purges every binlog before the current one.
    await t.connection.query('INSERT INTO t VALUES (4, 4)');
    await t.connection.query('FLUSH BINARY LOGS');
    await t.connection.query('UPDATE t SET v = 40 WHERE id = 4');
    await purgeBinlogsBeforeCurrent(t.connection);

    const failing = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 }, restoreFrom: savepoint },
      env,
    );
    const error = await (async () => {
      try {
        // A record here means the saved position was still readable: fail now instead of streaming on.
        for await (const record of failing)
          return new Error(`read a record from a purged position: ${String((record as ChangeRecord).op)}`);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(hasCodeInChain(error, MySqlCdcErrorCodes.BINLOG_PURGED), String(error)).toBe(true);

    const resnapshot = Pipeline.from(
      new MySqlCdcSource({ ...options, onPurged: 're-snapshot' }),
    ).executeAndCollect({ parallelism: 1, checkpointing: { intervalMs: 100 }, restoreFrom: savepoint }, env);
    const after = new Map<string, Record<string, unknown>>();
    const ops = new Set<string>();
    for await (const record of resnapshot) {
      const change = record as ChangeRecord;
      ops.add(change.op);
      applyChange(after, change, ['id']);
      if (after.size === 4 && (after.get('4') as { v: number } | undefined)?.v === 40) break;
    }
    expect(
      [...ops],
      JSON.stringify([...after.values()], (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    ).toContain('r');
    const table = await readTableText(t.connection, 't', ['id']);
    expect(new Map([...after].map(([k, v]) => [k, textRow(v)]))).toEqual(table);
  });
});
