import { join } from 'node:path';
import { FileSource } from '@tributary/connector-files';
import { JdbcSink } from '@tributary/connector-jdbc';
import { type JobResult, type Logger, Pipeline, silentLogger } from '@tributary/core';
import { CsvFileFormat } from '@tributary/format-csv';
import Database from 'better-sqlite3';

/** A product price update as the CSV files hold it (`sku,name,price_cents,updated_at`). */
export interface PriceUpdate {
  readonly sku: string;
  readonly name: string;
  readonly price_cents: number;
  readonly updated_at: string;
}

/** Where the pipeline reads and writes. */
export interface CsvToSqliteOptions {
  /** Directory of `*.csv` files (with a header line). */
  readonly inputDir: string;
  /** The SQLite database file (created with its table when missing). */
  readonly database: string;
  /** Checkpoint directory: a rerun resumes where a stopped run left off. */
  readonly checkpointDir: string;
  readonly parallelism?: number;
  readonly logger?: Logger;
}

/**
 * CSV files → typed rows → SQLite `products` upserted by `sku`: a later update of a product
 * replaces the earlier one, and rerunning the pipeline over the same files changes nothing.
 */
export async function runCsvToSqlite(options: CsvToSqliteOptions): Promise<JobResult> {
  const db = new Database(options.database);
  db.exec(
    'CREATE TABLE IF NOT EXISTS products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL CHECK (price_cents >= 0), updated_at TEXT NOT NULL)',
  );
  db.close();

  const csv = new CsvFileFormat<PriceUpdate>({
    header: true,
    columns: [
      { name: 'sku', type: 'string' },
      { name: 'name', type: 'string' },
      { name: 'price_cents', type: 'integer' },
      { name: 'updated_at', type: 'string' },
    ],
  });
  return Pipeline.from(FileSource.forFormat(csv, options.inputDir, { includeGlobs: ['*.csv'] }))
    .sinkTo(
      new JdbcSink<PriceUpdate>({
        dialect: 'sqlite',
        filename: options.database,
        table: 'products',
        writeMode: 'upsert',
        // A negative price breaks the CHECK: skip that row (counted), keep the others.
        onRowError: 'skip',
      }),
    )
    .execute(
      {
        jobName: 'csv-to-sqlite',
        parallelism: options.parallelism ?? 1,
        checkpointing: { intervalMs: 1000, directory: join(options.checkpointDir) },
      },
      { logger: options.logger ?? silentLogger },
    );
}
