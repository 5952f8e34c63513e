import { fakeCommitterContext, recordingCommitRequests } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import type { Dialect, Row, SqlConnection } from '../dialect/dialect.js';
import { mysqlDialect } from '../dialect/mysql-dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { JdbcCommitter } from './jdbc-committer.js';
import { JdbcSinkOptions } from './jdbc-sink-options.js';

/**
 * MariaDB's XA bookkeeping as another session sees it: a prepared transaction whose session has
 * not ended yet is listed by XA RECOVER, but XA COMMIT / XA ROLLBACK answer "unknown XID"
 * (errno 1397) until the server has processed that session's disconnect.
 */
class FakeXaServer {
  /** Prepared ids → XA COMMIT attempts still to refuse before the owner's session has ended. */
  readonly prepared = new Map<string, number>();
  readonly committed: string[] = [];
  /**
   * Sessions that have detached their prepared transaction but not ended yet → PROCESSLIST polls
   * that still list them. Meanwhile MariaDB's XA COMMIT of that transaction from another session
   * answers success and commits nothing (the transaction stays prepared).
   */
  readonly endingSessions = new Map<number, number>();
  /** The session that prepared each id, while it is ending. */
  private readonly preparedBy = new Map<string, number>();
  readonly statements: string[] = [];
  /** When this server (re)started, in epoch seconds, and its clock. */
  startedAt = 1_700_000_000;
  now = this.startedAt + 600;

  /** A transaction prepared by a session that ends after `refusals` more commit attempts. */
  prepare(id: string, refusals: number): void {
    this.prepared.set(id, refusals);
  }

  /** A transaction whose session `session` has detached it and is listed for `polls` more PROCESSLIST polls. */
  prepareOnEndingSession(id: string, session: number, polls: number): void {
    this.prepared.set(id, 0);
    this.preparedBy.set(id, session);
    this.endingSessions.set(session, polls);
  }

  connection(): SqlConnection {
    const unknownXid = () => Object.assign(new Error('XAER_NOTA: Unknown XID'), { errno: 1397 });
    return {
      dialect: mysqlDialect,
      query: async (sql: string, params: readonly unknown[] = []): Promise<Row[]> => {
        this.statements.push(sql);
        if (sql === 'SELECT UNIX_TIMESTAMP() AS now') return [{ now: this.now }];
        if (sql === "SHOW GLOBAL STATUS LIKE 'Uptime'")
          return [{ Variable_name: 'Uptime', Value: String(this.now - this.startedAt) }];
        if (sql.includes('information_schema.PROCESSLIST')) {
          const session = Number(params[0]);
          const polls = this.endingSessions.get(session);
          if (polls === undefined) return [{ n: 0 }];
          if (polls <= 1) this.endingSessions.delete(session);
          else this.endingSessions.set(session, polls - 1);
          return [{ n: 1 }];
        }
        if (sql !== 'XA RECOVER') throw new Error(`unexpected query ${sql}`);
        return [...this.prepared.keys()].map((id) => ({
          formatID: 1,
          gtrid_length: id.length,
          bqual_length: 0,
          data: Buffer.from(id),
        }));
      },
      execute: async (sql: string): Promise<number> => {
        const match = /^XA COMMIT '(.*)'$/.exec(sql);
        if (match === null) throw new Error(`unexpected statement ${sql}`);
        const id = match[1] as string;
        this.statements.push(sql);
        const session = this.preparedBy.get(id);
        // Answers success, commits nothing: the window between the server's detach and the end.
        if (session !== undefined && this.endingSessions.has(session)) return 0;
        const refusals = this.prepared.get(id);
        if (refusals === undefined) throw unknownXid();
        if (refusals > 0) {
          this.prepared.set(id, refusals - 1);
          throw unknownXid();
        }
        this.prepared.delete(id);
        this.committed.push(id);
        return 0;
      },
      stream: () => {
        throw new Error('not used');
      },
      close: async () => {},
    };
  }
}

const options = JdbcSinkOptions.parse({
  dialect: 'mysql',
  host: 'fake',
  table: 't',
  deliveryGuarantee: 'exactly-once',
  transactionIdPrefix: 'p',
});

function committerOn(server: FakeXaServer, detachPolls = 4, sessionEndTimeoutMs = 10_000): JdbcCommitter {
  const dialect: Dialect = { ...mysqlDialect, connect: async () => server.connection() };
  return new JdbcCommitter(
    dialect,
    options,
    fakeCommitterContext().logger,
    { maxAttempts: detachPolls, initialDelayMs: 1, maxDelayMs: 1 },
    { timeoutMs: sessionEndTimeoutMs, maxDelayMs: 2 },
  );
}

describe('JdbcCommitter on MariaDB XA', () => {
  it('commits a transaction whose preparing session is still ending, instead of taking "unknown XID" for committed', async () => {
    const server = new FakeXaServer();
    server.prepare('p-0-3', 2);
    const committer = committerOn(server);
    const { requests, outcomes } = recordingCommitRequests([{ transactionId: 'p-0-3' }]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'success' }]);
    expect(server.committed).toEqual(['p-0-3']);
    expect([...server.prepared.keys()]).toEqual([]);
  });

  it('asks for a retry while the preparing session stays open, and commits once it has ended', async () => {
    const server = new FakeXaServer();
    server.prepare('p-0-3', 10);
    const committer = committerOn(server, 4);
    const first = recordingCommitRequests([{ transactionId: 'p-0-3' }]);
    await committer.commit(first.requests);
    expect(first.outcomes).toEqual([{ kind: 'retry' }]);
    expect(server.committed).toEqual([]);
    expect([...server.prepared.keys()]).toEqual(['p-0-3']);
    // The runtime's retry, after the session has ended.
    server.prepare('p-0-3', 0);
    const retry = recordingCommitRequests([{ transactionId: 'p-0-3' }], 1);
    await committer.commit(retry.requests);
    expect(retry.outcomes).toEqual([{ kind: 'success' }]);
    expect(server.committed).toEqual(['p-0-3']);
  });

  it('fails the commit (never "already committed") when the session outlasts every retry', async () => {
    const server = new FakeXaServer();
    server.prepare('p-0-3', 1_000);
    const committer = committerOn(server, 2);
    const { requests, outcomes } = recordingCommitRequests([{ transactionId: 'p-0-3' }], 10);
    await committer.commit(requests);
    expect(outcomes).toMatchObject([
      {
        kind: 'unknown',
        error: {
          code: JdbcErrorCodes.COMMIT_FAILED,
          cause: { code: JdbcErrorCodes.PREPARED_ATTACHED, context: { transactionId: 'p-0-3' } },
        },
      },
    ]);
    expect([...server.prepared.keys()]).toEqual(['p-0-3']);
  });

  it('counts an id that no session holds prepared as committed before (a re-commit after a restore)', async () => {
    const server = new FakeXaServer();
    server.prepare('p-0-4', 0);
    const committer = committerOn(server);
    const { requests, outcomes } = recordingCommitRequests([
      { transactionId: 'p-0-3' },
      { transactionId: 'p-0-4' },
    ]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'already' }, { kind: 'success' }]);
    expect(server.committed).toEqual(['p-0-4']);
  });

  describe('restoring a committable that names the session that prepared it', () => {
    it('commits only once that session has ended (an XA COMMIT before then answers success and commits nothing)', async () => {
      const server = new FakeXaServer();
      server.prepareOnEndingSession('p-0-3', 42, 3);
      const committer = committerOn(server);
      const { requests, outcomes } = recordingCommitRequests([{ transactionId: 'p-0-3', sessionId: 42 }]);
      await committer.commit(requests);
      expect(outcomes).toEqual([{ kind: 'success' }]);
      expect(server.committed).toEqual(['p-0-3']);
      expect([...server.prepared.keys()]).toEqual([]);
      // XA COMMIT went out once, after the session had left the process list.
      expect(server.statements.filter((s) => s.startsWith('XA COMMIT'))).toEqual(["XA COMMIT 'p-0-3'"]);
      expect(server.endingSessions.size).toBe(0);
    });

    it('waits for a session of the same server run, as `now − Uptime` tells it (a second of jitter is the same run)', async () => {
      const server = new FakeXaServer();
      server.prepareOnEndingSession('p-0-3', 42, 3);
      const committer = committerOn(server);
      const serverStartedAt = server.startedAt + 1;
      const { requests, outcomes } = recordingCommitRequests([
        { transactionId: 'p-0-3', sessionId: 42, serverStartedAt },
      ]);
      await committer.commit(requests);
      expect(outcomes).toEqual([{ kind: 'success' }]);
      expect(server.endingSessions.size).toBe(0);
      expect(server.statements.filter((s) => s.includes('PROCESSLIST'))).toHaveLength(4);
    });

    it('does not wait for a session id of a server run before a restart (ids start again at 1: it is another session now)', async () => {
      const server = new FakeXaServer();
      const serverStartedAt = server.startedAt;
      // The server restarted an hour later; a new, unrelated session 42 stays connected.
      server.startedAt += 3600;
      server.now = server.startedAt + 5;
      server.prepare('p-0-3', 0);
      server.endingSessions.set(42, Number.POSITIVE_INFINITY);
      const committer = committerOn(server, 4, 50);
      const { requests, outcomes } = recordingCommitRequests([
        { transactionId: 'p-0-3', sessionId: 42, serverStartedAt },
      ]);
      await committer.commit(requests);
      expect(outcomes).toEqual([{ kind: 'success' }]);
      expect(server.committed).toEqual(['p-0-3']);
    });

    it('commits a committable of the previous format (no session id) without waiting', async () => {
      const server = new FakeXaServer();
      server.prepare('p-0-3', 0);
      const committer = committerOn(server);
      const { requests, outcomes } = recordingCommitRequests([{ transactionId: 'p-0-3' }]);
      await committer.commit(requests);
      expect(outcomes).toEqual([{ kind: 'success' }]);
      expect(server.committed).toEqual(['p-0-3']);
      expect(server.statements.some((s) => s.includes('PROCESSLIST'))).toBe(false);
    });

    it('never commits while the session stays: a typed error naming the transaction, retried, then failing', async () => {
      const server = new FakeXaServer();
      server.prepareOnEndingSession('p-0-3', 42, Number.POSITIVE_INFINITY);
      const committer = committerOn(server, 4, 20);
      const first = recordingCommitRequests([{ transactionId: 'p-0-3', sessionId: 42 }]);
      await committer.commit(first.requests);
      expect(first.outcomes).toEqual([{ kind: 'retry' }]);
      const last = recordingCommitRequests([{ transactionId: 'p-0-3', sessionId: 42 }], 10);
      await committer.commit(last.requests);
      expect(last.outcomes).toMatchObject([
        {
          kind: 'unknown',
          error: {
            code: JdbcErrorCodes.COMMIT_FAILED,
            cause: {
              code: JdbcErrorCodes.PREPARED_ATTACHED,
              retriable: true,
              message: expect.stringContaining('p-0-3'),
              context: { transactionId: 'p-0-3', sessionId: 42 },
            },
          },
        },
      ]);
      expect(server.statements.some((s) => s.startsWith('XA COMMIT'))).toBe(false);
      expect(server.committed).toEqual([]);
    });
  });
});
