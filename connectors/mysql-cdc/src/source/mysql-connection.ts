import { TributaryError } from '@tributary/core';
import { type Connection, type ConnectionOptions, createConnection } from 'mysql2/promise';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import type { ResolvedMySqlCdcSourceOptions } from './mysql-cdc-source-options.js';

/** mysql2 settings shared by snapshot queries and the binlog client, so both type values alike. */
export function connectionOptionsOf(options: ResolvedMySqlCdcSourceOptions): ConnectionOptions {
  return {
    host: options.host,
    port: options.port,
    user: options.user,
    ...(options.password === undefined ? {} : { password: options.password }),
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: options.serverTimeZone,
  };
}

/** Opens a query connection whose session renders TIMESTAMP in the configured zone. */
export async function openConnection(options: ResolvedMySqlCdcSourceOptions): Promise<Connection> {
  try {
    const connection = await createConnection(connectionOptionsOf(options));
    await connection.query(`SET time_zone = '${options.serverTimeZone}'`);
    return connection;
  } catch (cause) {
    throw new TributaryError(
      MySqlCdcErrorCodes.BINLOG_FAILED,
      `Cannot connect to ${options.host}:${options.port} as ${options.user}: ${(cause as Error).message}`,
      { cause, retriable: true, context: { host: options.host, port: options.port } },
    );
  }
}
