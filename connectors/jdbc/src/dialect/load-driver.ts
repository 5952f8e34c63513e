import { TributaryError } from '@tributary/core';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';

/** The driver packages, one per dialect; each is an optional peer dependency. */
export type DriverPackage = 'pg' | 'mysql2' | 'better-sqlite3';

/**
 * Drivers already imported: each connection (a sink or source subtask, a lookup, a retry) would
 * otherwise resolve the package again (a round trip to the module loader, its thread under tsx).
 */
const drivers = new Map<DriverPackage, unknown>();

/**
 * Imports a driver package. A user of one database installs only its driver, so a missing one is
 * an expected setup error: it names the package and the install command.
 */
export async function loadDriver<T>(name: DriverPackage, importer: () => Promise<T>): Promise<T> {
  const loaded = drivers.get(name);
  if (loaded !== undefined) return loaded as T;
  try {
    const driver = await importer();
    drivers.set(name, driver);
    return driver;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new TributaryError(
        JdbcErrorCodes.DRIVER_MISSING,
        `The JDBC connector needs the '${name}' package for this database: install it next to @tributary/connector-jdbc (npm install ${name})`,
        { cause, context: { package: name } },
      );
    }
    throw cause;
  }
}
