import { type Connection, type ConnectionOptions, createConnection } from 'mysql2/promise';
import type { ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import {
  type HandleContext,
  type RestartOptions,
  type ServerFaults,
  ServiceHandleBase,
} from '../services/service-handle-base.js';

/**
 * A started MariaDB (binlog on, ROW format, full row images and metadata, GTIDs; XA available):
 * admin credentials and unique databases that are dropped on cleanup. On a private instance
 * (`useService('mariadb', { private: true, settings })`) also {@link kill} and {@link restart}.
 */
export class MariaDbService extends ServiceHandleBase<'mariadb'> implements ServerFaults {
  private admin: Promise<Connection> | undefined;

  constructor(state: ServiceState<'mariadb'>, context: HandleContext) {
    super(state, context);
  }

  /** mysql2 connection options for the admin user, optionally on `database`. */
  connectionOptions(database?: string): ConnectionOptions {
    const { host, port, user, password } = this.connection;
    return { host, port, user, password, ...(database === undefined ? {} : { database }) };
  }

  /** Creates a uniquely named database (`utf8mb4`) and returns its name. */
  async createDatabase(prefix = 'db'): Promise<string> {
    this.assertOpen();
    const database = uniqueName(prefix, '_');
    const admin = await this.adminConnection();
    try {
      await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
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

  /** The handle's admin connection (no default database), opened on first use. */
  async adminConnection(): Promise<Connection> {
    this.assertOpen();
    if (this.admin === undefined) {
      const opening = createConnection({ ...this.connectionOptions(), multipleStatements: false }).then(
        (connection) => {
          // A connection the server dropped (a restart, kill()) is replaced on the next call.
          connection.on('error', () => {
            if (this.admin === opening) this.admin = undefined;
          });
          return connection;
        },
      );
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
    const admin = await this.adminConnection();
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    } catch (error) {
      throw this.requestFailed('drop database', error, { database });
    }
  }

  protected override async closeClients(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    const connection = admin === undefined ? undefined : await admin.catch(() => undefined);
    // end() says goodbye to the server; a connection to a killed server is just dropped.
    await connection?.end().catch(() => connection.destroy());
  }
}
