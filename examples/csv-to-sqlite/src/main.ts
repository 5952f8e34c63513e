/**
 * `pnpm --filter @tributary/example-csv-to-sqlite start [inputDir] [database]`: writes two sample
 * CSV files when the input directory is empty, runs the pipeline and prints the table.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { runCsvToSqlite } from './csv-to-sqlite.js';

const root = resolve(process.cwd(), '.tributary/csv-to-sqlite');
const inputDir = resolve(process.argv[2] ?? join(root, 'input'));
const database = resolve(process.argv[3] ?? join(root, 'products.db'));
mkdirSync(inputDir, { recursive: true });
if (readdirSync(inputDir).length === 0) {
  writeFileSync(
    join(inputDir, 'monday.csv'),
    'sku,name,price_cents,updated_at\nA-1,Kettle,2999,2024-05-06T09:00:00Z\nB-2,Toaster,3999,2024-05-06T09:00:00Z\n',
  );
  writeFileSync(
    join(inputDir, 'tuesday.csv'),
    'sku,name,price_cents,updated_at\nA-1,Kettle,2499,2024-05-07T09:00:00Z\nC-3,Blender,-1,2024-05-07T09:00:00Z\n',
  );
}
const result = await runCsvToSqlite({ inputDir, database, checkpointDir: join(root, 'checkpoints') });
const db = new Database(database, { readonly: true });
console.table(db.prepare('SELECT * FROM products ORDER BY sku').all());
db.close();
console.log(`done: ${JSON.stringify(result.restoredFromCheckpointId ?? 'fresh run')}`);
