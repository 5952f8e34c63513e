/**
 * `tributary validate` checks of the JDBC plugin against the harness's real PostgreSQL: the
 * credentials are accepted, the table exists, the columns the options name exist.
 */
import { hasErrorCode } from '@tributary/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JdbcErrorCodes } from './jdbc-error-codes.js';
import { openTestDatabase, type TestDatabase } from './testing-fixtures/test-databases.js';
import { tributaryPlugin } from './tributary-plugin.js';

const source = tributaryPlugin.source;
const sink = tributaryPlugin.sink;
if (!source?.check || !sink?.check) throw new Error('the JDBC plugin has source and sink checks');

describe('jdbc plugin checks on PostgreSQL (tributary validate)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('postgres', 'validate');
    await db.exec('CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT, total NUMERIC(10,2))');
  });
  afterAll(() => db?.close());

  it('describes the table the source reads and the sink writes', async () => {
    expect(
      await source.check?.(
        source.options.parse({ ...db.connection, table: 'orders', partitionColumn: 'id' }),
      ),
    ).toBe('table orders: 3 columns, primary key (id)');
    expect(
      await sink.check?.(sink.options.parse({ ...db.connection, table: 'orders', writeMode: 'upsert' })),
    ).toBe('table orders: 3 columns, primary key (id)');
  });

  it('names a missing table, or a missing column with the option that names it', async () => {
    const table = await source
      .check?.(source.options.parse({ ...db.connection, table: 'nowhere' }))
      .catch((e: unknown) => e);
    expect(hasErrorCode(table, JdbcErrorCodes.TABLE_NOT_FOUND)).toBe(true);
    const column = await source
      .check?.(source.options.parse({ ...db.connection, table: 'orders', keyColumns: ['order_no'] }))
      .catch((e: unknown) => e);
    expect(hasErrorCode(column, JdbcErrorCodes.COLUMN_NOT_FOUND)).toBe(true);
    expect((column as Error).message).toContain(
      "Column 'order_no' (option keyColumns) does not exist in table 'orders'",
    );
  });

  it('a sink that creates its table accepts a missing one', async () => {
    expect(
      await sink.check?.(sink.options.parse({ ...db.connection, table: 'created_later', createTable: true })),
    ).toBe('table created_later does not exist yet (createTable: created on the first write)');
  });

  it('reports refused credentials as TRIB_JDBC_AUTH_FAILED without the password', async () => {
    const secret = 'not-the-password-4711';
    // The harness's PostgreSQL trusts local users: an unknown role is what it refuses.
    const error = await sink
      .check?.(
        sink.options.parse({ ...db.connection, user: 'no_such_user_x', password: secret, table: 'orders' }),
      )
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, JdbcErrorCodes.AUTH_FAILED)).toBe(true);
    expect(
      JSON.stringify({
        message: (error as Error).message,
        context: (error as { context?: unknown }).context,
      }),
    ).not.toContain(secret);
  });
});
