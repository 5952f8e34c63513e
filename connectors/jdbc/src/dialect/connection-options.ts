import { z } from 'zod';

/**
 * Where the database is. One shape for all dialects: `sqlite` uses `filename`, the servers use
 * host/port/user/password/database. The password never appears in errors or logs.
 */
export const jdbcConnectionShape = {
  dialect: z
    .enum(['postgres', 'mysql', 'sqlite'])
    .describe(
      '`postgres` (driver `pg`), `mysql` (MySQL and MariaDB, driver `mysql2`) or `sqlite` (driver `better-sqlite3`, embedded).',
    ),
  host: z.string().min(1).default('127.0.0.1').describe('Server host (not for `sqlite`).'),
  port: z.number().int().min(1).max(65_535).optional().describe('Server port; default 5432 / 3306.'),
  user: z.string().optional().describe('User name (not for `sqlite`).'),
  password: z.string().optional().describe('Password (never logged).'),
  database: z.string().optional().describe('Database (schema on MySQL) to connect to (not for `sqlite`).'),
  filename: z
    .string()
    .optional()
    .describe('`sqlite` only: the database file (`:memory:` for a private in-memory one).'),
  connectTimeoutMs: z.number().int().min(100).default(10_000).describe('Time to establish a connection.'),
};

/** How the components that read rows (source, lookup) return values. */
export const jdbcReadShape = {
  decimals: z
    .enum(['string', 'big-decimal'])
    .default('string')
    .describe(
      'DECIMAL/NUMERIC values: exact decimal `string`s, or `big-decimal`: exact `BigDecimal` values (bigint digits and a scale). SQLite: columns declared DECIMAL or NUMERIC.',
    ),
};

export const jdbcConnectionSchema = z.object(jdbcConnectionShape).strict();

/** The connection part of every JDBC component's options (read options where they apply). */
export type JdbcConnectionOptions = z.output<typeof jdbcConnectionSchema> & {
  readonly decimals?: 'string' | 'big-decimal';
};
export type JdbcConnectionOptionsInput = z.input<typeof jdbcConnectionSchema>;
export type DialectName = JdbcConnectionOptions['dialect'];

/** The connection options picked out of a component's options. */
export function connectionOf(options: JdbcConnectionOptions): JdbcConnectionOptions {
  const { dialect, host, port, user, password, database, filename, connectTimeoutMs, decimals } = options;
  return {
    dialect,
    host,
    port,
    user,
    password,
    database,
    filename,
    connectTimeoutMs,
    ...(decimals === undefined ? {} : { decimals }),
  };
}
