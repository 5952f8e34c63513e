import pg from 'pg';
import type { ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { type HandleContext, ServiceHandleBase } from '../services/service-handle-base.js';

/**
 * A started PostgreSQL (prepared transactions enabled): superuser credentials and unique
 * databases that are dropped on cleanup.
 */
export class PostgresService extends ServiceHandleBase<'postgres'> {
  private admin: Promise<pg.Client> | undefined;

  constructor(state: ServiceState<'postgres'>, context: HandleContext) {
    super(state, context);
  }

  /** `pg` client config for the superuser on `database` (default: the always-present one). */
  clientConfig(database?: string): pg.ClientConfig {
    const { host, port, user, password } = this.connection;
    return { host, port, user, password, database: database ?? this.connection.database };
  }

  /** Creates a uniquely named database and returns its name. */
  async createDatabase(prefix = 'db'): Promise<string> {
    this.assertOpen();
    const database = uniqueName(prefix, '_');
    const admin = await this.adminClient();
    try {
      await admin.query(`CREATE DATABASE "${database}"`);
    } catch (error) {
      throw this.requestFailed('create database', error, { database });
    }
    this.track(`database ${database}`, () => this.dropDatabase(database));
    return database;
  }

  /** Drops a database now (instead of at cleanup). */
  async deleteDatabase(database: string): Promise<void> {
    this.untrack(`database ${database}`);
    await this.dropDatabase(database);
  }

  /** The handle's admin client on the default database, connected on first use. */
  async adminClient(): Promise<pg.Client> {
    this.assertOpen();
    this.admin ??= (async () => {
      const client = new pg.Client(this.clientConfig());
      await client.connect();
      return client;
    })();
    return this.admin;
  }

  private async dropDatabase(database: string): Promise<void> {
    const admin = await this.adminClient();
    try {
      // Prepared transactions left behind by a failed test hold locks that block DROP DATABASE.
      const prepared = await admin.query<{ gid: string }>(
        'SELECT gid FROM pg_prepared_xacts WHERE database = $1',
        [database],
      );
      for (const row of prepared.rows) {
        const client = new pg.Client(this.clientConfig(database));
        await client.connect();
        try {
          await client.query(`ROLLBACK PREPARED '${row.gid.replaceAll("'", "''")}'`);
        } finally {
          await client.end();
        }
      }
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } catch (error) {
      throw this.requestFailed('drop database', error, { database });
    }
  }

  protected override async closeClients(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await (await admin.catch(() => undefined))?.end();
  }
}
