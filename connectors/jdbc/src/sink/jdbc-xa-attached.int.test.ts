/**
 * MariaDB keeps a prepared XA transaction attached to the session that prepared it until the
 * server has processed that session's disconnect; meanwhile another session's XA COMMIT or
 * XA ROLLBACK answers "unknown XID". The sink must wait for it, never take it for finished.
 */
import { hasErrorCode } from '@tributary/core';
import {
  fakeBatchContext,
  fakeCommitterContext,
  fakeWriterContext,
  recordingCommitRequests,
} from '@tributary/core/testing';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOf } from '../dialect/connection-options.js';
import type { TwoPhaseDialect } from '../dialect/dialect.js';
import { dialectOf } from '../dialect/dialects.js';
import { openConnection } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcCommitter } from './jdbc-committer.js';
import { JdbcSink } from './jdbc-sink.js';
import type { JdbcCommittable } from './jdbc-sink-writer.js';

type EosWriter = {
  write: (b: unknown[], c: unknown) => Promise<void>;
  flush: (e: boolean) => Promise<void>;
  prepareCommit: () => Promise<JdbcCommittable[]>;
  close: () => Promise<void>;
};

describe('JdbcSink exactly-once on MariaDB: XA transactions still attached to their session', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('mariadb', 'xa_attached');
  });
  afterAll(() => db?.close());

  /** A plain-driver session on the test database (not the connector's). */
  function session(): Promise<Connection> {
    const { host, port, user, password, database } = db.connection;
    return createConnection({ host, port, user, password, database } as Parameters<
      typeof createConnection
    >[0]);
  }

  /** Prepares `id` (inserting `row`) on a session that stays open until the caller ends it. */
  async function preparedOnOpenSession(id: string, table: string, row: number): Promise<Connection> {
    const owner = await session();
    await owner.query('XA START ?', [id]);
    await owner.query(`INSERT INTO ${table} (id) VALUES (?)`, [row]);
    await owner.query('XA END ?', [id]);
    await owner.query('XA PREPARE ?', [id]);
    return owner;
  }

  /** Commits as the runtime does: a `retry` outcome is retried (up to its budget of 10). */
  async function commitRetrying(
    committer: ReturnType<JdbcSink['createCommitter']>,
    committables: readonly JdbcCommittable[],
    firstRetry = 0,
  ): Promise<string[]> {
    let outcomes: string[] = [];
    for (let retries = firstRetry; retries <= 10; retries++) {
      const attempt = recordingCommitRequests(committables, retries);
      await committer.commit(attempt.requests);
      outcomes = attempt.outcomes.map((o) => o.kind);
      if (!outcomes.includes('retry')) break;
    }
    return outcomes;
  }

  const ids = async (table: string) =>
    (await db.rows(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));

  it('the committer does not count a transaction prepared on a still-open session as committed: it retries, and commits once the session ended', async () => {
    await db.exec('CREATE TABLE attached_commit (id INT PRIMARY KEY)');
    const prefix = db.transactionPrefix('attached');
    const id = `${prefix}-0-3`;
    const owner = await preparedOnOpenSession(id, 'attached_commit', 7);
    const sink = new JdbcSink({
      ...db.connection,
      table: 'attached_commit',
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: prefix,
    });
    const committer = sink.createCommitter(fakeCommitterContext());
    try {
      const first = recordingCommitRequests([{ transactionId: id }]);
      await committer.commit(first.requests);
      expect(first.outcomes).toEqual([{ kind: 'retry' }]);
      expect(await db.preparedTransactions()).toContain(id);
      expect(await ids('attached_commit')).toEqual([]);

      await owner.end();
      expect(await commitRetrying(committer, [{ transactionId: id }], 1)).toEqual(['success']);
      expect(await ids('attached_commit')).toEqual([7]);
      expect(await db.preparedTransactions()).not.toContain(id);
    } finally {
      await committer.close();
      await owner.end().catch(() => {});
    }
  });

  it("names a preparing session by its id and its server run's start, so an id reused after a restart is not waited for", async () => {
    const sink = new JdbcSink({ ...db.connection, table: 'unused' });
    const dialect = dialectOf(sink.options.dialect);
    const twoPhase = dialect.twoPhase as Required<TwoPhaseDialect>;
    const probe = await openConnection(dialect, connectionOf(sink.options));
    const reference = await session();
    try {
      const live = await twoPhase.preparingSession(probe);
      // The server's start by the test's own query: within the second both clocks tick.
      const [[{ started }]] = (await reference.query(
        "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE AS started FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'",
      )) as unknown as [[{ started: number }]];
      expect(Math.abs((live.serverStartedAt ?? 0) - Number(started))).toBeLessThanOrEqual(2);
      expect(await twoPhase.sessionEnded(probe, live)).toBe(false);
      const beforeRestart = { ...live, serverStartedAt: (live.serverStartedAt ?? 0) - 3600 };
      expect(await twoPhase.sessionEnded(probe, beforeRestart)).toBe(true);
    } finally {
      await probe.close();
      await reference.end();
    }
  });

  it('a restored committable naming the session that prepared it is committed once that session has ended, on the first attempt', async () => {
    await db.exec('CREATE TABLE attached_restore (id INT PRIMARY KEY)');
    const prefix = db.transactionPrefix('restore');
    const id = `${prefix}-0-2`;
    // The job crashed right after XA PREPARE: its session is still open when the restore commits.
    const owner = await preparedOnOpenSession(id, 'attached_restore', 3);
    const [[{ sessionId }]] = (await owner.query('SELECT CONNECTION_ID() AS sessionId')) as unknown as [
      [{ sessionId: number }],
    ];
    const sink = new JdbcSink({
      ...db.connection,
      table: 'attached_restore',
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: prefix,
    });
    // The dialect's own session check, with a signal when the committer first asks it.
    let asked!: () => void;
    const waiting = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const dialect = dialectOf(sink.options.dialect);
    const twoPhase = dialect.twoPhase as TwoPhaseDialect;
    const sessionEnded = twoPhase.sessionEnded as NonNullable<TwoPhaseDialect['sessionEnded']>;
    const committer = new JdbcCommitter(
      {
        ...dialect,
        twoPhase: {
          ...twoPhase,
          sessionEnded: (connection, session) => {
            asked();
            return sessionEnded(connection, session);
          },
        },
      },
      sink.options,
      fakeCommitterContext().logger,
    );
    try {
      const restored = recordingCommitRequests([{ transactionId: id, sessionId: Number(sessionId) }]);
      const committing = committer.commit(restored.requests);
      // Without the wait, the commit gives up first ('retry': still attached to the open session).
      await Promise.race([waiting, committing]);
      await owner.end();
      await committing;
      expect(restored.outcomes).toEqual([{ kind: 'success' }]);
      expect(await ids('attached_restore')).toEqual([3]);
      expect(await db.preparedTransactions()).not.toContain(id);
    } finally {
      await committer.close();
      await owner.end().catch(() => {});
    }
  });

  it('a restored writer fails with PREPARED_ATTACHED while a failed attempt still holds its transaction, and rolls it back once that session ended', async () => {
    await db.exec('CREATE TABLE attached_rollback (id INT PRIMARY KEY)');
    const prefix = db.transactionPrefix('lingering');
    const id = `${prefix}-0-5`;
    const owner = await preparedOnOpenSession(id, 'attached_rollback', 1);
    const sink = new JdbcSink({
      ...db.connection,
      table: 'attached_rollback',
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: prefix,
    });
    try {
      const error = await sink
        .createWriter(fakeWriterContext({ restoredCheckpointId: 4 }))
        .catch((e: unknown) => e);
      expect(hasErrorCode(error, JdbcErrorCodes.PREPARED_ATTACHED)).toBe(true);
      expect(error).toMatchObject({ retriable: true, context: { transactionId: id } });
      expect(await db.preparedTransactions()).toContain(id);

      await owner.end();
      const writer = (await sink.createWriter(
        fakeWriterContext({ restoredCheckpointId: 4 }),
      )) as unknown as EosWriter;
      expect((await db.preparedTransactions()).filter((t) => t.startsWith(`${prefix}-`))).toEqual([]);
      // Its locks are free: the restored attempt writes the same key.
      await writer.write([{ id: 1 }], fakeBatchContext());
      await writer.flush(false);
      expect(await writer.prepareCommit()).toEqual([
        { transactionId: id, sessionId: expect.any(Number), serverStartedAt: expect.any(Number) },
      ]);
      await writer.close();
      const committer = sink.createCommitter(fakeCommitterContext());
      const outcomes = await commitRetrying(committer, [{ transactionId: id }]);
      await committer.close();
      expect(outcomes).toEqual(['success']);
      expect(await ids('attached_rollback')).toEqual([1]);
    } finally {
      await owner.end().catch(() => {});
    }
  });

  it('prepareCommit returns only once the session that prepared the transaction has ended (an XA COMMIT before that can answer success and commit nothing)', async () => {
    await db.exec('CREATE TABLE attached_session_end (id INT PRIMARY KEY)');
    const sink = new JdbcSink({
      ...db.connection,
      table: 'attached_session_end',
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: db.transactionPrefix('session-end'),
    });
    const observer = await session();
    try {
      const [[own]] = (await observer.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      const sessionsOnDb = async () => {
        const [rows] = (await observer.query(
          'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> ?',
          [own.id],
        )) as unknown as [{ id: number }[]];
        return rows.map((r) => Number(r.id));
      };
      for (let cycle = 0; cycle < 10; cycle++) {
        const others = await sessionsOnDb();
        const writer = (await sink.createWriter(
          fakeWriterContext({ restoredCheckpointId: cycle }),
        )) as unknown as EosWriter;
        await writer.write([{ id: cycle }], fakeBatchContext());
        await writer.flush(false);
        const preparing = (await sessionsOnDb()).filter((id) => !others.includes(id));
        expect(preparing.length, 'the writer has its session open').toBeGreaterThan(0);
        await writer.prepareCommit();
        const left = await sessionsOnDb();
        expect(
          left.filter((id) => preparing.includes(id)),
          `cycle ${cycle}`,
        ).toEqual([]);
        await writer.close();
        await db.exec(`XA COMMIT '${db.transactionPrefix('session-end')}-0-${cycle + 1}'`).catch(() => {});
      }
    } finally {
      await observer.end();
    }
  });

  it('prepare, close, commit at once, 40 times: every prepared transaction is committed, none reported as committed before', async () => {
    await db.exec('CREATE TABLE attached_cycles (id INT PRIMARY KEY)');
    const prefix = db.transactionPrefix('cycles');
    const sink = new JdbcSink({
      ...db.connection,
      table: 'attached_cycles',
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: prefix,
    });
    const committer = sink.createCommitter(fakeCommitterContext());
    const outcomes: string[] = [];
    try {
      for (let cycle = 0; cycle < 40; cycle++) {
        // Each restore numbers from its checkpoint id + 1; the writer closes its connection
        // right after XA PREPARE, and the committer commits straight away.
        const writer = (await sink.createWriter(
          fakeWriterContext({ restoredCheckpointId: cycle }),
        )) as unknown as EosWriter;
        await writer.write([{ id: cycle }], fakeBatchContext());
        await writer.flush(false);
        outcomes.push(...(await commitRetrying(committer, await writer.prepareCommit())));
        await writer.close();
      }
    } finally {
      await committer.close();
    }
    expect(outcomes.filter((kind) => kind !== 'success')).toEqual([]);
    expect(await ids('attached_cycles')).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await db.preparedTransactions()).filter((t) => t.startsWith(`${prefix}-`))).toEqual([]);
  });
});
