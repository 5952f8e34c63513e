import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The "external system" of the example connector: a directory whose `*.jsonl` files are
 * append-only partitions of JSON lines. Readers treat each file as one split; writers add new
 * files atomically (write elsewhere, then link into place), so a reader never sees half a file.
 */
export const PARTITION_SUFFIX = '.jsonl';

/** Partition file names of `directory`, sorted (hidden staging entries excluded). */
export async function listPartitions(directory: string): Promise<string[]> {
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.filter((n) => n.endsWith(PARTITION_SUFFIX) && !n.startsWith('.')).sort();
}

/** Appends records to partition `name` (created if missing) as JSON lines. */
export async function appendToPartition(
  directory: string,
  name: string,
  records: readonly unknown[],
): Promise<void> {
  await mkdir(directory, { recursive: true });
  await appendFile(join(directory, `${name}${PARTITION_SUFFIX}`), toJsonLines(records));
}

/** Every record of every partition, partition by partition, each in file order. */
export async function readPartitions<T>(directory: string): Promise<T[]> {
  const records: T[] = [];
  for (const name of await listPartitions(directory)) {
    const text = await readFile(join(directory, name), 'utf8');
    for (const line of text.split('\n')) if (line !== '') records.push(JSON.parse(line) as T);
  }
  return records;
}

/** Records as JSON lines (one trailing newline each). */
export function toJsonLines(records: readonly unknown[]): string {
  let text = '';
  for (const record of records) text += `${JSON.stringify(record)}\n`;
  return text;
}
