import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { validateServerSettings } from '../harness/server-settings.js';
import { POSTGRES_RESERVED_SETTINGS, postgresConf } from './postgres-server-config.js';

function lastValue(file: string, key: string): string | undefined {
  const lines = file.split('\n').filter((line) => line.startsWith(`${key} = `));
  return lines.at(-1)?.slice(key.length + 3);
}

describe('postgresql.conf', () => {
  it('enables prepared transactions and logical WAL, on loopback TCP only', () => {
    const conf = postgresConf(5555);
    expect(lastValue(conf, 'max_prepared_transactions')).toBe('64');
    expect(lastValue(conf, 'wal_level')).toBe("'logical'");
    expect(lastValue(conf, 'listen_addresses')).toBe("'127.0.0.1'");
    expect(lastValue(conf, 'port')).toBe('5555');
    expect(lastValue(conf, 'unix_socket_directories')).toBe("''");
  });

  it("puts a test's settings last, quoted as postgresql.conf wants", () => {
    const conf = postgresConf(5555, { max_connections: 5, synchronous_commit: false, search_path: "it's" });
    expect(lastValue(conf, 'max_connections')).toBe('5');
    expect(lastValue(conf, 'synchronous_commit')).toBe('off');
    expect(lastValue(conf, 'search_path')).toBe("'it''s'");
  });

  it('refuses settings the harness owns', () => {
    expect(() =>
      validateServerSettings('postgres', { work_mem: '4MB' }, POSTGRES_RESERVED_SETTINGS),
    ).not.toThrow();
    for (const key of ['port', 'listen_addresses', 'data_directory', 'hba_file']) {
      let caught: unknown;
      try {
        validateServerSettings('postgres', { [key]: 'x' }, POSTGRES_RESERVED_SETTINGS);
      } catch (error) {
        caught = error;
      }
      expect(hasErrorCode(caught, E2eErrorCodes.INVALID_SETTINGS)).toBe(true);
    }
  });
});
