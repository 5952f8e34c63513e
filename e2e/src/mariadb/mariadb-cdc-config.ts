/**
 * The MariaDB settings CDC tests need (binlog on, ROW format, full row images, GTIDs in strict
 * mode), written to `/etc/mysql/mariadb.conf.d/60-tributary-cdc.cnf` when the system server lacks
 * them. `log_bin` can only change with a restart, so the harness restarts the server once.
 */
export const MARIADB_CDC_CONFIG = `# Written by @tributary/e2e: settings for binlog (CDC) tests.
[mysqld]
server_id = 1
log_bin = mysql-bin
binlog_format = ROW
binlog_row_image = FULL
gtid_strict_mode = ON
# Keep two days of binlog, so a reused server does not fill the disk.
binlog_expire_logs_seconds = 172800
`;

/** Where the config goes; `/etc/mysql/my.cnf` must include this directory. */
export const MARIADB_CONF_DIR = '/etc/mysql/mariadb.conf.d';

/** File name of the harness's config in {@link MARIADB_CONF_DIR}. */
export const MARIADB_CDC_CONFIG_FILE = '60-tributary-cdc.cnf';

/**
 * `my.cnf` with an `!includedir` line for {@link MARIADB_CONF_DIR} appended when no line includes
 * it yet (Debian's stock file does; minimal images may ship one that does not). Undefined: fine as is.
 */
export function withConfDirInclude(myCnf: string): string | undefined {
  const included = myCnf
    .split('\n')
    .some((line) => /^\s*!includedir\s+/.test(line) && line.includes(MARIADB_CONF_DIR));
  if (included) return undefined;
  return `${myCnf.replace(/\n*$/, '\n')}\n# Added by @tributary/e2e so server settings in ${MARIADB_CONF_DIR} apply.\n!includedir ${MARIADB_CONF_DIR}/\n`;
}
