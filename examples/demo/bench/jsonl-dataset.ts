import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes the demo's CSV orders in `csvDir` again as JSON Lines into `jsonDir` (one object per
 * line, as many files), so a JSON pipeline reads exactly the same records as the CSV one.
 */
export async function writeJsonLinesCopy(csvDir: string, jsonDir: string): Promise<void> {
  await mkdir(jsonDir);
  for (const file of (await readdir(csvDir)).filter((f) => f.endsWith('.csv'))) {
    const [header, ...rows] = (await readFile(join(csvDir, file), 'utf8')).trimEnd().split('\n');
    const names = (header as string).split(',');
    const lines = rows.map((row) => {
      // The generator quotes fields with commas; a tiny split that honours quotes is enough here.
      const fields = row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((f) => f.replace(/,$/, '')) ?? [];
      const record: Record<string, unknown> = {};
      names.forEach((n, i) => {
        const v = (fields[i] ?? '').replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
        record[n] = n === 'order_id' || n === 'quantity' || n === 'unit_price' ? Number(v) : v;
      });
      return JSON.stringify(record);
    });
    await writeFile(join(jsonDir, file.replace('.csv', '.jsonl')), `${lines.join('\n')}\n`);
  }
}
