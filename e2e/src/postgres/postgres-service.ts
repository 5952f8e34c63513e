import pg from 'pg';
import type { ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import {
  type HandleContext,
  type RestartOptions,
  type ServerFaults,
  ServiceHandleBase,
} from '../services/service-handle-base.js';

/**
 * A started PostgreSQL (prepared transactions enabled, `wal_level=logical`): superuser
 * credentials and unique databases that are dropped on cleanup. On a private instance
 * (`useService('postgres', { private: true, settings })`) also {@link kill} and {@link restart}.
 */
export class PostgresService extends ServiceHandleBase<'postgres'> implements ServerFaults {
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
    if (this.admin === undefined) {
      const opening = (async () => {
        const client = new pg.Client(this.clientConfig());
        // A connection the server dropped (a restart, kill()) is replaced on the next call.
        client.on('error', () => {
          if (this.admin === opening) this.admin = undefined;
        });
        await client.connect();
        return client;
      })();
      opening.catch(() => {
        if (this.admin === opening) this.admin = undefined;
      });
      this.admin = opening;
    }
    return this.admin;
  }

  /** {@inheritDoc ServerFaults.kill} */
  kill(): Promise<void> {
    return this.killServer();
  }

  /** {@inheritDoc ServerFaults.restart} */
  restart(options?: RestartOptions): Promise<void> {
    return this.restartServer(options);
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
    await (await admin?.catch(() => undefined))?.end().catch(() => undefined);
  }
}
