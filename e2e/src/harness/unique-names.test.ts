import { describe, expect, it } from 'vitest';
import { uniqueName } from './unique-names.js';

describe('uniqueName', () => {
  it('never repeats and keeps the prefix', () => {
    const names = new Set(Array.from({ length: 1_000 }, () => uniqueName('orders')));
    expect(names.size).toBe(1_000);
    for (const name of names) expect(name.startsWith('orders-')).toBe(true);
  });

  it('is lowercase and uses the separator throughout (SQL identifiers, index names)', () => {
    const name = uniqueName('My Table', '_');
    expect(name).toMatch(/^my_table_[a-z0-9_]+$/);
    expect(uniqueName('Index')).toMatch(/^index-[a-z0-9-]+$/);
  });
});
