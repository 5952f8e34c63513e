import { appendFile, mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The "external system" of this connector skeleton, and its in-process fake service: a directory
 * whose `*.jsonl` files are append-only partitions of JSON lines. Readers treat each file as one
 * split; writers add new files atomically (write under `.staging/`, then rename or link into
 * place), so a reader never sees half a file. Tests point it at a temporary directory, which the
 * contract suites' crash child reaches too. Replace these calls with your service's client.
 */
export const PARTITION_SUFFIX = '.jsonl';
/** Where writers prepare files before they appear (hidden from {@link listPartitions}). */
export const STAGING = '.staging';

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

/** Adds partition `name` with `text` atomically: written and synced under `.staging/`, then renamed. */
export async function publishPartition(directory: string, name: string, text: string): Promise<void> {
  await mkdir(join(directory, STAGING), { recursive: true });
  const staging = join(directory, STAGING, `${name}${PARTITION_SUFFIX}`);
  const file = await open(staging, 'wx');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(staging, join(directory, `${name}${PARTITION_SUFFIX}`));
}
