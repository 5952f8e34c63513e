import { describe, expect, it } from 'vitest';
import { MARIADB_CDC_CONFIG, withConfDirInclude } from './mariadb-cdc-config.js';
import { missingCdcSettings } from './mariadb-probe.js';

describe('MariaDB CDC config', () => {
  it('asks for ROW binlog with full images and GTIDs', () => {
    expect(MARIADB_CDC_CONFIG).toMatch(/^log_bin = /m);
    expect(MARIADB_CDC_CONFIG).toMatch(/^binlog_format = ROW$/m);
    expect(MARIADB_CDC_CONFIG).toMatch(/^binlog_row_image = FULL$/m);
    expect(MARIADB_CDC_CONFIG).toMatch(/^gtid_strict_mode = ON$/m);
  });

  it('adds the include line to my.cnf once', () => {
    const original = '[mysqld]\nport = 3306\n';
    const updated = withConfDirInclude(original);
    expect(updated).toContain('!includedir /etc/mysql/mariadb.conf.d/');
    expect(updated?.startsWith(original)).toBe(true);
    expect(withConfDirInclude(updated ?? '')).toBeUndefined();
    expect(
      withConfDirInclude('!includedir /etc/mysql/conf.d/\n!includedir /etc/mysql/mariadb.conf.d/\n'),
    ).toBeUndefined();
  });

  it('names every missing setting', () => {
    const ready = {
      version: '10.11',
      logBin: true,
      binlogFormat: 'ROW',
      binlogRowImage: 'FULL',
      serverId: 1,
      gtidStrictMode: true,
    };
    expect(missingCdcSettings(ready)).toEqual([]);
    expect(missingCdcSettings({ ...ready, logBin: false, binlogFormat: 'MIXED' })).toEqual([
      'log_bin=ON',
      'binlog_format=ROW (is MIXED)',
    ]);
  });
});
