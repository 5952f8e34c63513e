import type { DialectName } from './connection-options.js';
import type { Dialect } from './dialect.js';
import { mysqlDialect } from './mysql-dialect.js';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';

/** The dialect of a database kind (drivers load only when a dialect connects). */
export function dialectOf(name: DialectName): Dialect {
  switch (name) {
    case 'postgres':
      return postgresDialect;
    case 'mysql':
      return mysqlDialect;
    case 'sqlite':
      return sqliteDialect;
  }
}
