/**
 * `tributary validate` check of the MySQL CDC plugin against the harness's real MariaDB: the
 * preflight (binlog settings, grants, server id) and the tables `tables` captures.
 */
import { type MariaDbService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcOptions } from './testing-fixtures/cdc-fixtures.js';
import { tributaryPlugin } from './tributary-plugin.js';

const source = tributaryPlugin.source;
if (!source?.check) throw new Error('the MySQL CDC plugin has a source check');

describe('mysql-cdc plugin check on MariaDB (tributary validate)', () => {
  let mariadb: MariaDbService;
  let db: string;
  beforeAll(async () => {
    mariadb = await useService('mariadb');
    db = await mariadb.createDatabase('validate');
    const admin = await mariadb.adminConnection();
    await admin.query(`CREATE TABLE ${db}.orders (id BIGINT PRIMARY KEY, v INT)`);
    await admin.query(`CREATE TABLE ${db}.customers (id BIGINT PRIMARY KEY, name TEXT)`);
  });
  afterAll(() => mariadb?.close());

  it('passes the preflight and names the captured tables', async () => {
    expect(await source.check?.(source.options.parse(cdcOptions(mariadb, [`${db}\\..*`])))).toBe(
      `binlog preflight passed; 2 table(s) captured: ${db}.customers, ${db}.orders`,
    );
  });

  it('fails when the patterns capture no table', async () => {
    await expect(
      source.check?.(
        source.options.parse(cdcOptions(mariadb, [`${db}\\.orders`], { excludeTables: [`${db}\\.orders`] })),
      ),
    ).rejects.toThrow(`no table matches tables [${db}\\.orders] minus excludeTables [${db}\\.orders]`);
  });

  it('fails the preflight when the server id clashes with the server’s own', async () => {
    const admin = await mariadb.adminConnection();
    const [[row]] = (await admin.query('SELECT @@server_id AS id')) as unknown as [[{ id: number }]];
    await expect(
      source.check?.(
        source.options.parse(cdcOptions(mariadb, [`${db}\\..*`], { serverIdStart: Number(row.id) })),
      ),
    ).rejects.toThrow(/server_id/);
  });

  it('names the user a refused login was for, never the password', async () => {
    const secret = 'not-the-password-4711';
    const error = await source
      .check?.(source.options.parse(cdcOptions(mariadb, [`${db}\\..*`], { password: secret })))
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Cannot connect to .* as \S+: Access denied/);
    expect((error as Error).message).not.toContain(secret);
  });
});
