import {
  normalizeSettingName,
  type ServerSettings,
  type ServerSettingValue,
} from '../harness/server-settings.js';

/** Where one MariaDB instance keeps its files and listens. */
export interface MariaDbInstanceLayout {
  readonly dataDir: string;
  readonly port: number;
  readonly socket: string;
  readonly pidFile: string;
}

/** Options the harness owns: a private instance's settings may not change them. */
export const MARIADB_RESERVED_SETTINGS: readonly string[] = [
  'datadir',
  'port',
  'bind_address',
  'socket',
  'pid_file',
  'user',
  'basedir',
  'skip_networking',
  'log_error',
];

/**
 * The harness's `[mysqld]` settings: what binlog-reading (CDC) and XA tests need, sized for a
 * shared test machine. The binlog is in ROW format with full row images and full metadata (column
 * names in the table map), GTIDs in strict mode; it rotates at 16 MiB and expires after an hour,
 * so a long-lived instance does not fill the disk (a private instance can shorten that further to
 * provoke a purge).
 */
export const MARIADB_HARNESS_SETTINGS: ServerSettings = {
  server_id: 1,
  log_bin: 'mysql-bin',
  binlog_format: 'ROW',
  binlog_row_image: 'FULL',
  binlog_row_metadata: 'FULL',
  gtid_strict_mode: true,
  max_binlog_size: '16M',
  binlog_expire_logs_seconds: 3600,
  character_set_server: 'utf8mb4',
  collation_server: 'utf8mb4_general_ci',
  skip_name_resolve: true,
  max_connections: 300,
  innodb_buffer_pool_size: '64M',
  innodb_log_file_size: '16M',
  performance_schema: false,
};

/**
 * The instance's option file, read with `--defaults-file` so that no other option file (the
 * machine's `/etc/mysql/my.cnf`, `~/.my.cnf`) applies. `settings` follow the harness's and win.
 * The error log goes to stderr, i.e. the harness's log file.
 */
export function mariaDbOptionFile(layout: MariaDbInstanceLayout, settings: ServerSettings = {}): string {
  const lines = [
    '# Written by @tributary/e2e for a harness-owned MariaDB instance.',
    '[mysqld]',
    `datadir = ${layout.dataDir}`,
    `port = ${layout.port}`,
    'bind_address = 127.0.0.1',
    `socket = ${layout.socket}`,
    `pid_file = ${layout.pidFile}`,
    ...Object.entries(MARIADB_HARNESS_SETTINGS).map(([key, value]) => `${key} = ${optionValue(value)}`),
  ];
  const extra = Object.entries(settings);
  if (extra.length > 0) {
    lines.push('# Settings of this instance.');
    for (const [key, value] of extra) lines.push(`${normalizeSettingName(key)} = ${optionValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The options `mariadb-install-db` bootstraps a template with (small redo log, no other option file). */
export function mariaDbBootstrapOptionFile(dataDir: string): string {
  return `[mysqld]\ndatadir = ${dataDir}\ninnodb_log_file_size = 16M\nskip_name_resolve = ON\n`;
}

function optionValue(value: ServerSettingValue): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  return String(value);
}
