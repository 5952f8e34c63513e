import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';

/** One server setting's value: booleans become `ON`/`OFF` (MariaDB) or `on`/`off` (PostgreSQL). */
export type ServerSettingValue = string | number | boolean;

/**
 * Extra server settings for a private database instance, by the server's own names: `[mysqld]`
 * options for MariaDB (`expire_logs_days`, `binlog_row_metadata`), `postgresql.conf` parameters
 * for PostgreSQL (`max_connections`). They come after the harness's settings, so they win.
 */
export type ServerSettings = Readonly<Record<string, ServerSettingValue>>;

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Throws a `TRIB_E2E_INVALID_SETTINGS` error naming the first bad key: a name that is not a plain
 * option name, a value with a line break, or a setting the harness owns (`reserved`: ports,
 * directories), which would make the instance unreachable or shared.
 */
export function validateServerSettings(
  service: string,
  settings: ServerSettings,
  reserved: readonly string[],
): void {
  for (const [key, value] of Object.entries(settings)) {
    const fail = (why: string) => {
      throw new TributaryError(E2eErrorCodes.INVALID_SETTINGS, `${service} setting "${key}": ${why}`, {
        context: { service, setting: key },
      });
    };
    if (!SETTING_NAME.test(key)) fail('not an option name (letters, digits, _ . -)');
    if (reserved.includes(normalizeSettingName(key))) fail('is set by the harness and cannot be changed');
    if (typeof value === 'number' && !Number.isFinite(value)) fail(`${value} is not a finite number`);
    if (!['string', 'number', 'boolean'].includes(typeof value))
      fail(`unsupported value type ${typeof value}`);
    if (typeof value === 'string' && /[\r\n\0]/.test(value)) fail('the value contains a line break or NUL');
  }
}

/** MariaDB treats `-` and `_` alike in option names; compare names in one spelling. */
export function normalizeSettingName(name: string): string {
  return name.toLowerCase().replaceAll('-', '_');
}
