/**
 * Test and bench only: the connector's connection options for a database on the e2e harness's
 * servers, mapped from the plain drivers' configs (`PostgresService.clientConfig`,
 * `MariaDbService.connectionOptions`). One mapping, so tests and the bench cannot drift apart.
 */
import type { ConnectionOptions } from 'mysql2/promise';
import type pg from 'pg';
import type { JdbcConnectionOptionsInput } from '../dialect/connection-options.js';

type ServerConnection = JdbcConnectionOptionsInput & { dialect: 'postgres' | 'mysql' };

/** `database` on the PostgreSQL server that `config` (a `pg` client config) points at. */
export function postgresConnection(config: pg.ClientConfig, database: string): ServerConnection {
  return {
    dialect: 'postgres',
    host: String(config.host),
    port: Number(config.port),
    user: String(config.user),
    password: String(config.password ?? ''),
    database,
  };
}

/** `database` on the MariaDB/MySQL server that `options` (mysql2 options) point at. */
export function mariaDbConnection(options: ConnectionOptions, database: string): ServerConnection {
  return {
    dialect: 'mysql',
    host: String(options.host),
    port: Number(options.port),
    user: String(options.user),
    password: String(options.password ?? ''),
    database,
  };
}
