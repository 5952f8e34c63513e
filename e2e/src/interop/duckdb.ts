import { DuckDBInstance } from '@duckdb/node-api';

/** An in-memory DuckDB (the engine ships inside the npm package; no extension downloads). */
export async function openDuckDb() {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  return {
    async run(sql: string): Promise<void> {
      // Read the (empty) result: a statement such as COPY finishes only once its result is consumed.
      await connection.runAndReadAll(sql);
    },
    async rows(sql: string): Promise<Record<string, unknown>[]> {
      return (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
    },
    close(): void {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export type DuckDb = Awaited<ReturnType<typeof openDuckDb>>;

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
