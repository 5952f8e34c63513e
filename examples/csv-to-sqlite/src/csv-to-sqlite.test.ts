import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCsvToSqlite } from './csv-to-sqlite.js';

describe('example: CSV files → SQLite upsert (no services)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-csv-sqlite-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upserts by sku, skips the row breaking the CHECK, and a rerun changes nothing', async () => {
    const input = join(dir, 'in');
    await import('node:fs/promises').then((fs) => fs.mkdir(input));
    await writeFile(
      join(input, 'a.csv'),
      'sku,name,price_cents,updated_at\nA-1,Kettle,2999,2024-05-06T09:00:00Z\nB-2,Toaster,3999,2024-05-06T09:00:00Z\nA-1,Kettle,2499,2024-05-07T09:00:00Z\nC-3,Blender,-1,2024-05-07T09:00:00Z\n',
    );
    const database = join(dir, 'products.db');
    const read = () => {
      const db = new Database(database, { readonly: true });
      try {
        return db.prepare('SELECT sku, name, price_cents FROM products ORDER BY sku').all();
      } finally {
        db.close();
      }
    };
    const expected = [
      { sku: 'A-1', name: 'Kettle', price_cents: 2499 },
      { sku: 'B-2', name: 'Toaster', price_cents: 3999 },
    ];
    await runCsvToSqlite({ inputDir: input, database, checkpointDir: join(dir, 'cp1') });
    expect(read()).toEqual(expected);
    await runCsvToSqlite({ inputDir: input, database, checkpointDir: join(dir, 'cp2') });
    expect(read()).toEqual(expected);
  });
});
