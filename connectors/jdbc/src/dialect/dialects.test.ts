import { describe, expect, it } from 'vitest';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { SqlConnection } from './dialect.js';
import { loadDriver } from './load-driver.js';
import { mysqlDialect } from './mysql-dialect.js';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';

describe('dialect SQL', () => {
  it('PostgreSQL: numbered placeholders, ON CONFLICT upsert, DO NOTHING when only keys are written', () => {
    expect(postgresDialect.insertSql('t', ['id', 'v'], 2)).toBe(
      'INSERT INTO "t" ("id","v") VALUES ($1,$2),($3,$4)',
    );
    expect(postgresDialect.insertSql('t', ['id', 'v'], 1, ['id'])).toBe(
      'INSERT INTO "t" ("id","v") VALUES ($1,$2) ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v"',
    );
    expect(postgresDialect.insertSql('t', ['id'], 1, ['id'])).toBe(
      'INSERT INTO "t" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING',
    );
    expect(postgresDialect.quote('we"ird')).toBe('"we""ird"');
  });

  it('MySQL/MariaDB: backticks, ON DUPLICATE KEY UPDATE, a no-op assignment when only keys are written', () => {
    expect(mysqlDialect.insertSql('t', ['id', 'v'], 2, ['id'])).toBe(
      'INSERT INTO `t` (`id`,`v`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)',
    );
    expect(mysqlDialect.insertSql('t', ['id'], 1, ['id'])).toBe(
      'INSERT INTO `t` (`id`) VALUES (?) ON DUPLICATE KEY UPDATE `id` = VALUES(`id`)',
    );
    expect(mysqlDialect.quote('a`b')).toBe('`a``b`');
    expect(mysqlDialect.toParameter(2n ** 63n - 1n, 'bigint')).toBe('9223372036854775807');
    expect(mysqlDialect.toParameter({ a: 1 }, 'json')).toBe('{"a":1}');
  });

  it('MySQL/MariaDB: classifies errors by errno', () => {
    expect(mysqlDialect.classify({ errno: 1045 })).toBe('auth');
    expect(mysqlDialect.classify({ errno: 1146 })).toBe('missing-table');
    expect(mysqlDialect.classify({ errno: 1054 })).toBe('missing-column');
    expect(mysqlDialect.classify({ errno: 1062 })).toBe('constraint');
    expect(mysqlDialect.classify({ errno: 1366 })).toBe('constraint');
    expect(mysqlDialect.classify({ code: 'PROTOCOL_CONNECTION_LOST' })).toBe('connection');
    expect(mysqlDialect.classify({ errno: 1927 })).toBe('connection');
  });

  it('SQLite: excluded-based upsert; booleans and dates bound as 0/1 and ISO text', () => {
    expect(sqliteDialect.insertSql('t', ['id', 'v'], 1, ['id'])).toBe(
      'INSERT INTO "t" ("id","v") VALUES (?,?) ON CONFLICT ("id") DO UPDATE SET "v" = excluded."v"',
    );
    expect(sqliteDialect.toParameter(true, 'integer')).toBe(1);
    expect(sqliteDialect.toParameter(new Date('2024-05-01T00:00:00Z'), 'text')).toBe(
      '2024-05-01T00:00:00.000Z',
    );
    expect(sqliteDialect.toParameter([1, 2n], 'text')).toBe('[1,2]');
  });
});

describe('two-phase availability', () => {
  it('PostgreSQL with max_prepared_transactions = 0 fails with a clear, typed error', async () => {
    const connection = {
      query: async () => [{ max_prepared_transactions: '0' }],
    } as unknown as SqlConnection;
    const error = await postgresDialect.twoPhase?.checkAvailable(connection).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: JdbcErrorCodes.TWO_PHASE_UNAVAILABLE,
      context: { setting: 'max_prepared_transactions' },
    });
    expect(String((error as Error).message)).toContain('ALTER SYSTEM SET max_prepared_transactions');
  });
});

describe('loadDriver', () => {
  it('names the package to install when a driver is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'pg'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadDriver('pg', () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: JdbcErrorCodes.DRIVER_MISSING, context: { package: 'pg' } });
    expect(String((error as Error).message)).toContain('npm install pg');
  });

  it('passes other import failures through', async () => {
    const broken = new Error('native module failed to load');
    await expect(loadDriver('better-sqlite3', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
