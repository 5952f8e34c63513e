import { MariaDbContainer } from '@testcontainers/mariadb';
import { containerProvider, startServiceContainer } from '../containers/container-support.js';
import type { MariaDbConnection } from '../harness/service-types.js';
import { probeMariaDb } from './mariadb-probe.js';

/** The MariaDB image of the container backend (the Debian 12 system server is 10.11 too). */
export const MARIADB_IMAGE = 'mariadb:10.11';

/** MariaDB in Docker with the official module, started with the binlog settings of the local backend. */
export const containerMariaDbProvider = containerProvider<'mariadb'>({
  name: 'mariadb',
  version: MARIADB_IMAGE,
  readyTimeoutMs: 120_000,
  async launch() {
    const password = 'tributary-secret';
    const started = await startServiceContainer(
      'mariadb',
      new MariaDbContainer(MARIADB_IMAGE)
        .withRootPassword(password)
        .withCommand([
          '--server-id=1',
          '--log-bin=mysql-bin',
          '--binlog-format=ROW',
          '--binlog-row-image=FULL',
          '--binlog-row-metadata=FULL',
          '--gtid-strict-mode=ON',
        ]),
    );
    const connection: MariaDbConnection = {
      host: started.getHost(),
      port: started.getMappedPort(3306),
      user: 'root',
      password,
    };
    return { container: started, connection };
  },
  probe: probeMariaDb,
});
