import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parquetMetadata } from 'hyparquet';

/** What is visible on disk: committed Parquet and dead-letter files and the rows in them. */
export interface DemoOutputStats {
  readonly parquetFiles: number;
  readonly parquetRows: number;
  readonly partitions: number;
  readonly successMarkers: number;
  readonly deadLetterFiles: number;
  readonly deadLetterRows: number;
  readonly bytes: number;
}

/** Visible files under `dir` (hidden `.name` and `_name` entries skipped, as readers do), relative paths. */
export async function listVisibleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Counts what the job committed. Parquet rows come from the file footers (no data pages are
 * decoded), dead letters are counted by line; so the numbers are right also after a resumed run,
 * where the job's own counters only cover the last process.
 */
export async function readOutputStats(outputDir: string, deadLetterDir: string): Promise<DemoOutputStats> {
  const parquet = (await listVisibleFiles(outputDir)).filter((f) => f.endsWith('.parquet'));
  let parquetRows = 0;
  let bytes = 0;
  for (const file of parquet) {
    const buf = await readFile(join(outputDir, file));
    bytes += buf.byteLength;
    const metadata = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    parquetRows += Number(metadata.num_rows);
  }
  const partitions = new Set(parquet.map((f) => f.split('/')[0]));
  let successMarkers = 0;
  for (const p of partitions) {
    try {
      await readFile(join(outputDir, p as string, '_SUCCESS'));
      successMarkers++;
    } catch {
      // not (yet) complete
    }
  }
  const dead = (await listVisibleFiles(deadLetterDir)).filter((f) => f.endsWith('.jsonl'));
  let deadLetterRows = 0;
  for (const file of dead) {
    const text = await readFile(join(deadLetterDir, file), 'utf8');
    bytes += Buffer.byteLength(text);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) deadLetterRows++;
  }
  return {
    parquetFiles: parquet.length,
    parquetRows,
    partitions: partitions.size,
    successMarkers,
    deadLetterFiles: dead.length,
    deadLetterRows,
    bytes,
  };
}
