import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { containerProvider, startServiceContainer } from '../containers/container-support.js';
import type { PostgresConnection } from '../harness/service-types.js';
import { probePostgres } from './postgres-probe.js';
import { POSTGRES_MAX_PREPARED_TRANSACTIONS } from './postgres-server-config.js';

/** The PostgreSQL image of the container backend (the Debian 12 system server is 15 too). */
export const POSTGRES_IMAGE = 'postgres:15';

/** PostgreSQL in Docker with the official module, prepared transactions enabled. */
export const containerPostgresProvider = containerProvider<'postgres'>({
  name: 'postgres',
  version: POSTGRES_IMAGE,
  readyTimeoutMs: 120_000,
  async launch() {
    const password = 'tributary-secret';
    const started = await startServiceContainer(
      'postgres',
      new PostgreSqlContainer(POSTGRES_IMAGE)
        .withUsername('postgres')
        .withPassword(password)
        .withDatabase('postgres')
        .withCommand([
          'postgres',
          '-c',
          `max_prepared_transactions=${POSTGRES_MAX_PREPARED_TRANSACTIONS}`,
          '-c',
          'wal_level=logical',
        ]),
    );
    const connection: PostgresConnection = {
      host: started.getHost(),
      port: started.getMappedPort(5432),
      user: 'postgres',
      password,
      database: 'postgres',
    };
    return { container: started, connection };
  },
  probe: probePostgres,
});
