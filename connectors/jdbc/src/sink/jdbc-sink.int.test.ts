import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeRecord } from '@tributary/core';
import { CollectionSource, hasErrorCode, Pipeline, silentLogger, type TributaryError } from '@tributary/core';
import {
  fakeBatchContext,
  fakeCommitterContext,
  fakeWriterContext,
  recordingCommitRequests,
} from '@tributary/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { ALL_KINDS, openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcSink } from './jdbc-sink.js';
import type { JdbcCommittable } from './jdbc-sink-writer.js';

type Item = { id: number; v: number; name: string };

/** A seeded change-log: inserts, updates and deletes of 40 keys, many per key. */
function changeLog(count: number, seed: number): ChangeRecord[] {
  let s = seed;
  const random = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const live = new Set<number>();
  const out: ChangeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const id = Math.floor(random() * 40);
    if (live.has(id) && random() < 0.3) {
      out.push({ op: 'd', before: { id } });
      live.delete(id);
    } else {
      out.push({ op: live.has(id) ? 'u' : 'c', after: { id, v: i, name: `n${i}` } });
      live.add(id);
    }
  }
  return out;
}

function reference(changes: readonly ChangeRecord[]): Item[] {
  const map = new Map<number, Item>();
  for (const c of changes) {
    if (c.op === 'd') map.delete(Number(c.before?.id));
    else map.set(Number(c.after?.id), c.after as Item);
  }
  return [...map.values()].sort((a, b) => a.id - b.id);
}

describe.each(ALL_KINDS)('JdbcSink on %s', (kind) => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDatabase(kind, 'sink');
    dir = await mkdtemp(join(tmpdir(), 'trib-jdbc-sink-'));
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const text = () => (kind === 'mariadb' ? 'VARCHAR(100)' : 'TEXT');

  it('a change-log with inserts, updates and deletes of the same keys, within batches and across checkpoints, ends equal to the reference map', async () => {
    await db.exec(`CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL, name ${text()})`);
    const changes = changeLog(3000, 7);
    await Pipeline.from(CollectionSource.of(changes))
      .sinkTo(
        new JdbcSink<ChangeRecord>({
          ...db.connection,
          table: 'items',
          input: 'changelog',
          batchSizeRows: 37,
        }),
      )
      .execute(
        { parallelism: 1, checkpointing: { intervalMs: 20, directory: join(dir, 'changelog') } },
        { logger: silentLogger },
      );
    const rows = await db.rows('SELECT id, v, name FROM items ORDER BY id');
    expect(rows.map((r) => ({ id: Number(r.id), v: Number(r.v), name: r.name }))).toEqual(reference(changes));
  });

  it('reduces a batch by key before writing (last write wins) and counts what it wrote', async () => {
    await db.exec(`CREATE TABLE reduced (id INT PRIMARY KEY, v INT NOT NULL)`);
    const sink = new JdbcSink({
      ...db.connection,
      table: 'reduced',
      writeMode: 'upsert',
      batchSizeRows: 1000,
    });
    const ctx = fakeWriterContext();
    const writer = await sink.createWriter(ctx);
    await writer.write(
      Array.from({ length: 100 }, (_, i) => ({ id: i % 10, v: i })),
      fakeBatchContext(),
    );
    await writer.flush(false);
    await writer.close();
    expect(ctx.metricGroup.numRecordsSend.count).toBe(10);
    const rows = await db.rows('SELECT id, v FROM reduced ORDER BY id');
    expect(rows.map((r) => [Number(r.id), Number(r.v)])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i, 90 + i]),
    );
  });

  it('writes full chunks through one reused statement and parameter array: every value lands, a rejected row in a full chunk is skipped alone', async () => {
    // 2 × 1000-row batches (full chunks: PostgreSQL's named statement, one parameter array
    // refilled per chunk) and a 437-row tail; row 1500 breaks the CHECK (the full chunk is
    // replayed row by row, then the next batch reuses the statement again).
    await db.exec(`CREATE TABLE chunks (id INT PRIMARY KEY, v INT NOT NULL CHECK (v >= 0), name ${text()})`);
    const rows = Array.from({ length: 2437 }, (_, i) => ({
      id: i,
      v: i === 1500 ? -1 : i * 3,
      name: `n${i}`,
    }));
    const sink = new JdbcSink<(typeof rows)[number]>({
      ...db.connection,
      table: 'chunks',
      writeMode: 'upsert',
      batchSizeRows: 1000,
      onRowError: 'skip',
    });
    const ctx = fakeWriterContext();
    const writer = await sink.createWriter(ctx);
    for (let start = 0; start < rows.length; start += 250)
      await writer.write(rows.slice(start, start + 250), fakeBatchContext());
    await writer.flush(false);
    // Upserts of the same keys again (the statement of the first batches, again).
    await writer.write(
      rows.slice(0, 1000).map((r) => ({ ...r, v: r.v + 1 })),
      fakeBatchContext(),
    );
    await writer.flush(false);
    await writer.close();
    const stored = await db.rows('SELECT id, v, name FROM chunks ORDER BY id');
    const expected = rows
      .filter((r) => r.v >= 0)
      .map((r) => ({ id: r.id, v: r.id < 1000 ? r.v + 1 : r.v, name: r.name }));
    expect(stored.map((r) => ({ id: Number(r.id), v: Number(r.v), name: r.name }))).toEqual(expected);
    expect(ctx.metricGroup.numRecordsSendErrors.count).toBe(1);
  });

  describe.each(['fail', 'dead-letter', 'skip'] as const)(
    'a row violating a constraint mid-batch, onRowError %s',
    (policy) => {
      it('is handled per row and the other rows are written', async () => {
        const table = `checked_${policy.replace('-', '_')}`;
        await db.exec(`CREATE TABLE ${table} (id INT PRIMARY KEY, v INT NOT NULL CHECK (v >= 0))`);
        const dead: { record: unknown; error: TributaryError }[] = [];
        const sink = new JdbcSink<{ id: number; v: number }>(
          { ...db.connection, table, onRowError: policy },
          { deadLetter: async (record, error) => void dead.push({ record, error }) },
        );
        const ctx = fakeWriterContext();
        const writer = await sink.createWriter(ctx);
        const rows = Array.from({ length: 10 }, (_, i) => ({ id: i, v: i === 5 ? -1 : i }));
        await writer.write(rows, fakeBatchContext());
        if (policy === 'fail') {
          const error = await writer.flush(false).then(
            () => undefined,
            (e: unknown) => e,
          );
          await writer.close();
          expect(hasErrorCode(error, JdbcErrorCodes.CONSTRAINT_VIOLATION)).toBe(true);
          expect((error as TributaryError).context).toMatchObject({ table });
          // The failed batch's transaction was rolled back: nothing of it is visible.
          expect(await db.rows(`SELECT id FROM ${table}`)).toEqual([]);
          return;
        }
        await writer.flush(false);
        await writer.close();
        const written = (await db.rows(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));
        expect(written).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
        expect(ctx.metricGroup.numRecordsSendErrors.count).toBe(1);
        if (policy === 'dead-letter') {
          expect(dead.map((d) => d.record)).toEqual([{ id: 5, v: -1 }]);
          expect(dead[0]?.error.code).toBe(JdbcErrorCodes.CONSTRAINT_VIOLATION);
        } else {
          expect(dead).toEqual([]);
        }
      });
    },
  );

  it('names a missing table and a missing column before any data moves', async () => {
    const missingTable = await new JdbcSink({ ...db.connection, table: 'no_such_table' })
      .createWriter(fakeWriterContext())
      .then(
        () => undefined,
        (e: unknown) => e as TributaryError,
      );
    expect(missingTable?.code).toBe(JdbcErrorCodes.TABLE_NOT_FOUND);
    expect(missingTable?.context).toMatchObject({ table: 'no_such_table' });

    await db.exec('CREATE TABLE narrow (id INT PRIMARY KEY)');
    const missingKey = await new JdbcSink({
      ...db.connection,
      table: 'narrow',
      keyColumns: ['nope'],
      writeMode: 'upsert',
    })
      .createWriter(fakeWriterContext())
      .then(
        () => undefined,
        (e: unknown) => e as TributaryError,
      );
    expect(missingKey?.code).toBe(JdbcErrorCodes.COLUMN_NOT_FOUND);
    expect(missingKey?.context).toMatchObject({ column: 'nope', option: 'keyColumns' });

    const writer = await new JdbcSink({ ...db.connection, table: 'narrow' }).createWriter(
      fakeWriterContext(),
    );
    await writer.write([{ id: 1, extra: 'x' }], fakeBatchContext());
    const missingColumn = await writer.flush(false).then(
      () => undefined,
      (e: unknown) => e as TributaryError,
    );
    await writer.close();
    expect(missingColumn?.code).toBe(JdbcErrorCodes.COLUMN_NOT_FOUND);
    expect(missingColumn?.context).toMatchObject({ column: 'extra', table: 'narrow' });
  });

  it('rejects a string in an INT column with a typed error', async () => {
    await db.exec(`CREATE TABLE typed (id INT PRIMARY KEY, n INT)${kind === 'sqlite' ? ' STRICT' : ''}`);
    const writer = await new JdbcSink({ ...db.connection, table: 'typed' }).createWriter(fakeWriterContext());
    await writer.write([{ id: 1, n: 'not a number' }], fakeBatchContext());
    const error = await writer.flush(false).then(
      () => undefined,
      (e: unknown) => e as TributaryError,
    );
    await writer.close();
    expect(error?.code).toBe(JdbcErrorCodes.CONSTRAINT_VIOLATION);
    expect(await db.rows('SELECT id FROM typed')).toEqual([]);
  });

  it('reports a failed flush of a full buffer on the next call and writes no later batch', async () => {
    await db.exec(`CREATE TABLE ordered (id INT PRIMARY KEY, n INT)${kind === 'sqlite' ? ' STRICT' : ''}`);
    const writer = await new JdbcSink({ ...db.connection, table: 'ordered', batchSizeRows: 2 }).createWriter(
      fakeWriterContext(),
    );
    // The first full buffer is sent while later batches are buffered; its row 1 is rejected.
    const first = await writer
      .write(
        [
          { id: 1, n: 'not a number' },
          { id: 2, n: 2 },
        ],
        fakeBatchContext(),
      )
      .then(
        () => undefined,
        (e: unknown) => e as TributaryError,
      );
    const later = await writer
      .write(
        [
          { id: 3, n: 3 },
          { id: 4, n: 4 },
        ],
        fakeBatchContext(),
      )
      .then(
        () => undefined,
        (e: unknown) => e as TributaryError,
      );
    const flushed = await writer.flush(false).then(
      () => undefined,
      (e: unknown) => e as TributaryError,
    );
    await writer.close();
    // Reported by the first call that waits for it (the first write when the driver is synchronous).
    expect((first ?? later)?.code).toBe(JdbcErrorCodes.CONSTRAINT_VIOLATION);
    expect(flushed?.code).toBe(JdbcErrorCodes.CONSTRAINT_VIOLATION);
    expect(await db.rows('SELECT id FROM ordered')).toEqual([]);
  });

  if (kind !== 'sqlite') {
    /** A committable as the writer hands it over: on MariaDB with the id of the session that prepared it. */
    const committable = (transactionId: string) =>
      kind === 'mariadb'
        ? { transactionId, sessionId: expect.any(Number), serverStartedAt: expect.any(Number) }
        : { transactionId };
    it('refuses wrong credentials with TRIB_JDBC_AUTH_FAILED and never shows the password', async () => {
      const password = 'definitely-wrong-secret';
      const error = await new JdbcSink({ ...db.connection, user: 'no_such_user_x', password, table: 'items' })
        .createWriter(fakeWriterContext())
        .then(
          () => undefined,
          (e: unknown) => e as TributaryError,
        );
      expect(error?.code).toBe(JdbcErrorCodes.AUTH_FAILED);
      expect(JSON.stringify(error?.toJSON())).not.toContain(password);
      expect(error?.message).not.toContain(password);
    });

    it('retries a batch after its connection is killed mid-stream: nothing lost, in order', async () => {
      await db.exec('CREATE TABLE survivors (id INT PRIMARY KEY, v INT NOT NULL)');
      const writer = await new JdbcSink({
        ...db.connection,
        table: 'survivors',
        writeMode: 'upsert',
        batchSizeRows: 50,
        retryBackoffMs: 50,
      }).createWriter(fakeWriterContext());
      let killed = 0;
      for (let round = 0; round < 10; round++) {
        if (round === 3 || round === 7) killed += await killSinkConnections(db);
        await writer.write(
          Array.from({ length: 50 }, (_, i) => ({ id: round * 50 + i, v: round })),
          fakeBatchContext(),
        );
      }
      await writer.flush(true);
      await writer.close();
      // Both kills hit the sink's open connection (the writer had to reconnect twice).
      expect(killed).toBe(2);
      const rows = await db.rows('SELECT count(*) AS n, sum(v) AS s FROM survivors');
      expect(Number(rows[0]?.n)).toBe(500);
      expect(Number(rows[0]?.s)).toBe(50 * 45);
    });

    it('exactly-once: writes land only when the committer commits the prepared transaction', async () => {
      await db.exec('CREATE TABLE eos (id INT PRIMARY KEY)');
      const prefix = db.transactionPrefix('unit');
      const sink = new JdbcSink({
        ...db.connection,
        table: 'eos',
        deliveryGuarantee: 'exactly-once',
        transactionIdPrefix: prefix,
      });
      const writer = (await sink.createWriter(fakeWriterContext())) as unknown as {
        write: (b: unknown[], c: unknown) => Promise<void>;
        flush: (e: boolean) => Promise<void>;
        prepareCommit: () => Promise<JdbcCommittable[]>;
        close: () => Promise<void>;
      };
      await writer.write([{ id: 1 }, { id: 2 }], fakeBatchContext());
      await writer.flush(false);
      const committables = await writer.prepareCommit();
      expect(committables).toEqual([committable(`${prefix}-0-1`)]);
      expect(await db.rows('SELECT id FROM eos')).toEqual([]);
      expect(await db.preparedTransactions()).toContain(`${prefix}-0-1`);
      const committer = sink.createCommitter(fakeCommitterContext());
      const { requests, outcomes } = recordingCommitRequests(committables);
      await committer.commit(requests);
      expect(outcomes).toEqual([{ kind: 'success' }]);
      // Committing again (as after a restore) is a no-op.
      const again = recordingCommitRequests(committables);
      await committer.commit(again.requests);
      expect(again.outcomes).toEqual([{ kind: 'already' }]);
      await committer.close();
      await writer.close();
      expect((await db.rows('SELECT id FROM eos ORDER BY id')).map((r) => Number(r.id))).toEqual([1, 2]);
      expect(await db.preparedTransactions()).not.toContain(`${prefix}-0-1`);
    });

    it('exactly-once: a restore leaves no prepared transaction behind, even one whose index is ≤ the restored checkpoint id', async () => {
      // Issue 12: indexes count pre-commits, checkpoint ids count triggers. Attempt 1 (from
      // nothing): checkpoint 1 is aborted before its barrier, checkpoint 2 pre-commits index 1 and
      // completes, checkpoint 3 pre-commits index 2 and the process dies before it completes.
      // Attempt 2 restores checkpoint 2: its committer commits index 1, then its writer opens.
      await db.exec('CREATE TABLE eos_restore (id INT PRIMARY KEY)');
      const prefix = db.transactionPrefix('restore');
      const sink = new JdbcSink({
        ...db.connection,
        table: 'eos_restore',
        deliveryGuarantee: 'exactly-once',
        transactionIdPrefix: prefix,
      });
      type EosWriter = {
        write: (b: unknown[], c: unknown) => Promise<void>;
        flush: (e: boolean) => Promise<void>;
        prepareCommit: () => Promise<JdbcCommittable[]>;
        close: () => Promise<void>;
      };
      const first = (await sink.createWriter(fakeWriterContext())) as unknown as EosWriter;
      await first.write([{ id: 1 }], fakeBatchContext());
      await first.flush(false);
      const checkpoint2 = await first.prepareCommit();
      await first.write([{ id: 2 }], fakeBatchContext());
      await first.flush(false);
      const checkpoint3 = await first.prepareCommit();
      expect([...checkpoint2, ...checkpoint3]).toEqual([
        committable(`${prefix}-0-1`),
        committable(`${prefix}-0-2`),
      ]);
      await first.close(); // the process died: prepared transactions outlive their session

      const committer = sink.createCommitter(fakeCommitterContext());
      const recommit = recordingCommitRequests(checkpoint2);
      await committer.commit(recommit.requests);
      expect(recommit.outcomes).toEqual([{ kind: 'success' }]);
      const second = (await sink.createWriter(
        fakeWriterContext({ restoredCheckpointId: 2 }),
      )) as unknown as EosWriter;
      const mine = async () => (await db.preparedTransactions()).filter((id) => id.startsWith(`${prefix}-`));
      // Checkpoint 3 never completed: nothing references index 2, so recovery rolls it back.
      expect(await mine()).toEqual([]);
      // The restored attempt replays id 2 (its locks are free) and numbers from 3.
      await second.write([{ id: 2 }], fakeBatchContext());
      await second.flush(false);
      const checkpoint4 = await second.prepareCommit();
      expect(checkpoint4).toEqual([committable(`${prefix}-0-3`)]);
      const commit4 = recordingCommitRequests(checkpoint4);
      await committer.commit(commit4.requests);
      expect(commit4.outcomes).toEqual([{ kind: 'success' }]);
      await committer.close();
      await second.close();
      expect((await db.rows('SELECT id FROM eos_restore ORDER BY id')).map((r) => Number(r.id))).toEqual([
        1, 2,
      ]);
      expect(await mine()).toEqual([]);
    });
  }
});

/** Kills the sink's server connections (pg_terminate_backend / KILL), not the oracle's own. */
async function killSinkConnections(db: TestDatabase): Promise<number> {
  if (db.kind === 'postgres') {
    const killed = await db.rows(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return killed.filter((r) => r.ok === true).length;
  }
  const database = db.connection.database;
  const ids = await db.rows(
    'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
    [database],
  );
  for (const row of ids) await db.exec(`KILL ${Number(row.id)}`);
  return ids.length;
}
