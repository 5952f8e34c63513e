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

  /** A transaction prepared by a session that ends after `refusals` more commit attempts. */
  prepare(id: string, refusals: number): void {
    this.prepared.set(id, refusals);
  }

  connection(): SqlConnection {
    const unknownXid = () => Object.assign(new Error('XAER_NOTA: Unknown XID'), { errno: 1397 });
    return {
      dialect: mysqlDialect,
      query: async (sql: string): Promise<Row[]> => {
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

function committerOn(server: FakeXaServer, detachPolls = 4): JdbcCommitter {
  const dialect: Dialect = { ...mysqlDialect, connect: async () => server.connection() };
  return new JdbcCommitter(dialect, options, fakeCommitterContext().logger, {
    maxAttempts: detachPolls,
    initialDelayMs: 1,
    maxDelayMs: 1,
  });
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
});
