import { isTributaryError, TributaryError } from '@tributary/core';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { JdbcConnectionOptions } from './connection-options.js';
import { type Dialect, driverMessage } from './dialect.js';

/** Where a connection goes, for error context: never the password. */
export function endpointOf(options: JdbcConnectionOptions): Record<string, unknown> {
  if (options.dialect === 'sqlite') return { dialect: 'sqlite', filename: options.filename ?? ':memory:' };
  return {
    dialect: options.dialect,
    host: options.host,
    port: options.port,
    user: options.user,
    database: options.database,
  };
}

/** The typed error for a failed statement, by what the dialect says it was. */
export function statementError(
  dialect: Dialect,
  error: unknown,
  context: Readonly<Record<string, unknown>>,
): TributaryError {
  if (isTributaryError(error)) return error;
  const message = driverMessage(error);
  switch (dialect.classify(error)) {
    case 'auth':
      return new TributaryError(
        JdbcErrorCodes.AUTH_FAILED,
        `The database refused the credentials: ${message}`,
        {
          cause: error,
          context,
        },
      );
    case 'connection':
      return new TributaryError(
        JdbcErrorCodes.CONNECTION_FAILED,
        `The database connection failed: ${message}`,
        {
          cause: error,
          retriable: true,
          context,
        },
      );
    case 'missing-table':
      return new TributaryError(JdbcErrorCodes.TABLE_NOT_FOUND, `Table not found: ${message}`, {
        cause: error,
        context,
      });
    case 'missing-column':
      return new TributaryError(JdbcErrorCodes.COLUMN_NOT_FOUND, `Column not found: ${message}`, {
        cause: error,
        context,
      });
    case 'constraint':
      return new TributaryError(JdbcErrorCodes.CONSTRAINT_VIOLATION, `A row was rejected: ${message}`, {
        cause: error,
        context,
      });
    default:
      return new TributaryError(JdbcErrorCodes.STATEMENT_FAILED, `A statement failed: ${message}`, {
        cause: error,
        context,
      });
  }
}

/** Opens a connection; failures become typed errors naming the endpoint (not the password). */
export async function openConnection(dialect: Dialect, options: JdbcConnectionOptions) {
  try {
    return await dialect.connect(options);
  } catch (error) {
    if (isTributaryError(error)) throw error;
    const typed = statementError(dialect, error, { ...endpointOf(options), operation: 'connect' });
    if (
      typed.code === JdbcErrorCodes.STATEMENT_FAILED ||
      typed.code === JdbcErrorCodes.CONSTRAINT_VIOLATION
    ) {
      throw new TributaryError(
        JdbcErrorCodes.CONNECTION_FAILED,
        `Could not connect: ${driverMessage(error)}`,
        {
          cause: error,
          retriable: true,
          context: { ...endpointOf(options), operation: 'connect' },
        },
      );
    }
    throw typed;
  }
}
