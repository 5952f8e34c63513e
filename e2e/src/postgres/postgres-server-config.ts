import type { ServerSettings, ServerSettingValue } from '../harness/server-settings.js';

/** `max_prepared_transactions` of harness instances (0, PostgreSQL's default, disables 2PC). */
export const POSTGRES_MAX_PREPARED_TRANSACTIONS = 64;

/** Parameters the harness owns: a private instance's settings may not change them. */
export const POSTGRES_RESERVED_SETTINGS: readonly string[] = [
  'port',
  'listen_addresses',
  'unix_socket_directories',
  'data_directory',
  'config_file',
  'hba_file',
  'ident_file',
  'external_pid_file',
  'logging_collector',
];

/**
 * The harness's `postgresql.conf` settings: prepared transactions (two-phase commit of the JDBC
 * sink), logical WAL with room for replication slots (CDC), sized for a shared test machine.
 * Durability settings stay at PostgreSQL's defaults, so crash tests see real recovery.
 */
export const POSTGRES_HARNESS_SETTINGS: ServerSettings = {
  max_connections: 200,
  max_prepared_transactions: POSTGRES_MAX_PREPARED_TRANSACTIONS,
  wal_level: 'logical',
  max_wal_senders: 10,
  max_replication_slots: 10,
  shared_buffers: '64MB',
  max_wal_size: '256MB',
  // After a crash, sync the data directory with one syncfs() instead of an fsync per file (seconds).
  recovery_init_sync_method: 'syncfs',
  dynamic_shared_memory_type: 'posix',
  log_destination: 'stderr',
  log_timezone: 'UTC',
  timezone: 'UTC',
  datestyle: 'iso, mdy',
  lc_messages: 'C',
  default_text_search_config: 'pg_catalog.english',
};

/**
 * The instance's whole `postgresql.conf` (written over the one `initdb` made): loopback TCP only,
 * no Unix socket, the harness settings, then `settings`, which win. `ALTER SYSTEM` still works on a
 * private instance (`postgresql.auto.conf` is read after this file).
 */
export function postgresConf(port: number, settings: ServerSettings = {}): string {
  const lines = [
    '# Written by @tributary/e2e for a harness-owned PostgreSQL instance.',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    "unix_socket_directories = ''",
    'logging_collector = off',
    ...Object.entries(POSTGRES_HARNESS_SETTINGS).map(([key, value]) => `${key} = ${confValue(value)}`),
  ];
  const extra = Object.entries(settings);
  if (extra.length > 0) {
    lines.push('# Settings of this instance.');
    for (const [key, value] of extra) lines.push(`${key} = ${confValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function confValue(value: ServerSettingValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}
