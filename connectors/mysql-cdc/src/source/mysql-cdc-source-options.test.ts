import { describe, expect, it } from 'vitest';
import { databaseMatcher, MySqlCdcSourceOptions, tableMatcher } from './mysql-cdc-source-options.js';

describe('MySqlCdcSourceOptions', () => {
  it('matches whole db.table names against include and exclude patterns', () => {
    const options = MySqlCdcSourceOptions.parse({
      user: 'u',
      tables: ['shop\\..*', 'crm\\.customers'],
      excludeTables: ['shop\\.tmp_.*'],
    });
    const captured = tableMatcher(options);
    expect(captured('shop', 'orders')).toBe(true);
    expect(captured('shop', 'tmp_x')).toBe(false);
    expect(captured('crm', 'customers')).toBe(true);
    expect(captured('crm', 'customers2')).toBe(false);
    const dbs = databaseMatcher(options);
    expect([dbs('shop'), dbs('crm'), dbs('shopx')]).toEqual([true, true, false]);
    expect(databaseMatcher({ tables: ['.*orders'] })('anything')).toBe(true);
  });

  it('names the key and the fix for invalid options', () => {
    expect(() =>
      MySqlCdcSourceOptions.parse({ user: 'u', tables: ['x'], startupMode: 'specific-offset' }),
    ).toThrow(/mysql-cdc\.source\.startupOffset.*specific-offset/);
    expect(() => MySqlCdcSourceOptions.parse({ user: 'u', tables: ['('] })).toThrow(
      /tables.*regular expression/,
    );
    expect(() =>
      MySqlCdcSourceOptions.parse({ user: 'u', tables: ['x'], serverTimeZone: 'Europe/Paris' }),
    ).toThrow(/serverTimeZone/);
  });
});
