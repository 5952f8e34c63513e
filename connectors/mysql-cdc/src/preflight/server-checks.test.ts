import { describe, expect, it } from 'vitest';
import { checkServer, preflightMessage } from './server-checks.js';

const good = {
  log_bin: 'ON',
  binlog_format: 'ROW',
  binlog_row_image: 'FULL',
  binlog_row_metadata: 'FULL',
  log_bin_compress: 'OFF',
  server_id: '1',
};

describe('preflight checks', () => {
  it('accepts a CDC-ready MariaDB with the needed grants', () => {
    const grants = ['GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc`@`%`'];
    expect(checkServer({ variables: good, grants, isMariaDb: true, readerServerIds: [5400, 5401] })).toEqual(
      [],
    );
    expect(
      checkServer({
        variables: good,
        grants: ['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`'],
        isMariaDb: true,
        readerServerIds: [5400],
      }),
    ).toEqual([]);
  });

  it('lists every problem with its fix in one message', () => {
    const problems = checkServer({
      variables: {
        ...good,
        binlog_format: 'MIXED',
        binlog_row_image: 'MINIMAL',
        binlog_row_metadata: 'MINIMAL',
        log_bin_compress: 'ON',
        server_id: '5401',
      },
      grants: ['GRANT SELECT ON `shop`.* TO `cdc`@`%`'],
      isMariaDb: true,
      readerServerIds: [5400, 5401],
    });
    expect(problems.map((p) => p.check)).toEqual([
      'binlog_format',
      'binlog_row_image',
      'binlog_row_metadata',
      'log_bin_compress',
      'privileges',
      'privileges',
      'server-id',
    ]);
    const message = preflightMessage(problems);
    expect(message).toContain('7 problems');
    expect(message).toContain('binlog_format is MIXED, must be ROW — fix: set binlog_format = ROW');
    expect(message).toContain('GRANT REPLICATION SLAVE ON *.*');
    expect(message).toContain('GRANT BINLOG MONITOR ON *.*');
    expect(message).toContain("reader server id 5401 is the server's own server_id");
  });

  it('requires the binlog and recommends GTIDs on MySQL', () => {
    const problems = checkServer({
      variables: { ...good, log_bin: 'OFF', gtid_mode: 'OFF' },
      grants: ['GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`'],
      isMariaDb: false,
      readerServerIds: [5400],
    });
    expect(problems.map((p) => p.check)).toEqual(['log_bin', 'gtid_mode']);
  });
});
