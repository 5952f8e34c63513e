import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { validateServerSettings } from '../harness/server-settings.js';
import { missingCdcSettings } from './mariadb-probe.js';
import { MARIADB_RESERVED_SETTINGS, mariaDbOptionFile } from './mariadb-server-config.js';

const layout = { dataDir: '/d/data', port: 4000, socket: '/d/m.sock', pidFile: '/d/m.pid' };

/** The value the server ends up with: the last line setting `key` in `[mysqld]`. */
function lastValue(file: string, key: string): string | undefined {
  const lines = file.split('\n').filter((line) => line.startsWith(`${key} = `));
  return lines.at(-1)?.slice(key.length + 3);
}

describe('MariaDB option file', () => {
  it('asks for a ROW binlog with full images and metadata, GTIDs, on loopback only', () => {
    const file = mariaDbOptionFile(layout);
    expect(file.split('\n')[1]).toBe('[mysqld]');
    expect(lastValue(file, 'log_bin')).toBe('mysql-bin');
    expect(lastValue(file, 'binlog_format')).toBe('ROW');
    expect(lastValue(file, 'binlog_row_image')).toBe('FULL');
    expect(lastValue(file, 'binlog_row_metadata')).toBe('FULL');
    expect(lastValue(file, 'gtid_strict_mode')).toBe('ON');
    expect(lastValue(file, 'bind_address')).toBe('127.0.0.1');
    expect(lastValue(file, 'port')).toBe('4000');
    expect(lastValue(file, 'datadir')).toBe('/d/data');
    expect(lastValue(file, 'socket')).toBe('/d/m.sock');
  });

  it("puts a test's settings last, so they win, in one spelling", () => {
    const file = mariaDbOptionFile(layout, {
      'binlog-row-metadata': 'MINIMAL',
      expire_logs_days: 1,
      log_slave_updates: true,
    });
    expect(lastValue(file, 'binlog_row_metadata')).toBe('MINIMAL');
    expect(lastValue(file, 'expire_logs_days')).toBe('1');
    expect(lastValue(file, 'log_slave_updates')).toBe('ON');
  });

  it('refuses settings the harness owns, in either spelling, and unwritable ones', () => {
    const invalid = (settings: Record<string, string | number>) => {
      try {
        validateServerSettings('mariadb', settings, MARIADB_RESERVED_SETTINGS);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    expect(invalid({ max_connections: 5, 'innodb-buffer-pool-size': '32M' })).toBeUndefined();
    const reserved = invalid({ 'bind-address': '0.0.0.0' });
    expect(hasErrorCode(reserved, E2eErrorCodes.INVALID_SETTINGS)).toBe(true);
    expect(String(reserved)).toContain('"bind-address"');
    expect(hasErrorCode(invalid({ datadir: '/var/lib/mysql' }), E2eErrorCodes.INVALID_SETTINGS)).toBe(true);
    expect(hasErrorCode(invalid({ 'a b': 1 }), E2eErrorCodes.INVALID_SETTINGS)).toBe(true);
    expect(hasErrorCode(invalid({ init_connect: 'x\n[client]' }), E2eErrorCodes.INVALID_SETTINGS)).toBe(true);
    expect(hasErrorCode(invalid({ max_connections: Number.NaN }), E2eErrorCodes.INVALID_SETTINGS)).toBe(true);
  });

  it('names every missing CDC setting of a server', () => {
    const ready = {
      version: '10.11',
      logBin: true,
      binlogFormat: 'ROW',
      binlogRowImage: 'FULL',
      binlogRowMetadata: 'FULL',
      serverId: 1,
      gtidStrictMode: true,
    };
    expect(missingCdcSettings(ready)).toEqual([]);
    expect(
      missingCdcSettings({ ...ready, logBin: false, binlogFormat: 'MIXED', binlogRowMetadata: 'NO_LOG' }),
    ).toEqual(['log_bin=ON', 'binlog_format=ROW (is MIXED)', 'binlog_row_metadata=FULL (is NO_LOG)']);
  });
});
