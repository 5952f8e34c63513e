import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Column names of the generated CSV files, in order (the files start with this header line). */
export const ORDER_CSV_COLUMNS = [
  'order_id',
  'order_date',
  'customer',
  'country',
  'product',
  'quantity',
  'unit_price',
  'channel',
] as const;

/** How a deliberately broken row is broken. */
export type BadRowKind = 'columns' | 'price' | 'date';

/** What to generate. */
export interface DatasetOptions {
  /** Data rows over all files (header lines not counted). */
  readonly records: number;
  readonly files: number;
  /** Share of rows broken on purpose (0.005 = 0.5 %). */
  readonly badRatio: number;
  /** PRNG seed: the same options always produce the same bytes. */
  readonly seed: number;
  /** First order date (UTC, `YYYY-MM-DD`); dates advance through the files like a daily export. */
  readonly firstDate: string;
  readonly days: number;
}

/** Written beside the input files as `_dataset.json` (hidden from the source: it starts with `_`). */
export interface DatasetManifest {
  readonly options: DatasetOptions;
  readonly files: readonly string[];
  readonly validRecords: number;
  readonly badRecords: number;
  readonly badByKind: Readonly<Record<BadRowKind, number>>;
  /** `order_id` of every broken row, ascending (the dead-letter output must hold exactly these). */
  readonly badOrderIds: readonly number[];
  readonly bytes: number;
}

/** The demo's default: 300 000 orders in 8 files, 0.5 % broken. */
export const DEFAULT_DATASET: DatasetOptions = {
  records: 300_000,
  files: 8,
  badRatio: 0.005,
  seed: 20240501,
  firstDate: '2024-05-01',
  days: 28,
};

export const MANIFEST_NAME = '_dataset.json';

const CUSTOMERS = [
  'Anna Müller',
  'Smith, John',
  'Li Wei',
  'María García',
  "O'Brien, Sean",
  'Yuki Tanaka',
  'Ola Nordmann',
  'Fatima Zahra',
];
const COUNTRIES = ['DE', 'US', 'CN', 'ES', 'IE', 'JP', 'NO', 'MA', 'FR', 'BR'];
const PRODUCTS = [
  'kettle',
  'toaster',
  'espresso machine',
  'blender',
  'mixer "Pro"',
  'grinder',
  'scale',
  'teapot',
];
const CHANNELS = ['web', 'app', 'store', 'phone'];
const BAD_KINDS: readonly BadRowKind[] = ['columns', 'price', 'date'];

/** mulberry32: a tiny, fast, seedable PRNG (Math.random cannot be seeded). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length)] as T;
}

/**
 * Writes the dataset into `dir` (created if needed) unless `_dataset.json` there already
 * describes the same options; returns the manifest. Each file is written under a hidden name and
 * renamed, so the source never sees a half-written file, and the manifest is written last.
 */
export async function ensureDataset(
  dir: string,
  options: DatasetOptions = DEFAULT_DATASET,
): Promise<DatasetManifest> {
  const existing = await readManifest(dir);
  if (existing && JSON.stringify(existing.options) === JSON.stringify(options)) return existing;
  await mkdir(dir, { recursive: true });
  const random = prng(options.seed);
  const badEvery = options.badRatio > 0 ? Math.round(1 / options.badRatio) : 0;
  const badByKind: Record<BadRowKind, number> = { columns: 0, price: 0, date: 0 };
  const first = Date.parse(`${options.firstDate}T00:00:00Z`);
  const files: string[] = [];
  const badOrderIds: number[] = [];
  let bad = 0;
  let bytes = 0;
  for (let f = 0; f < options.files; f++) {
    const from = Math.floor((f * options.records) / options.files);
    const to = Math.floor(((f + 1) * options.records) / options.files);
    const lines: string[] = [ORDER_CSV_COLUMNS.join(',')];
    for (let i = from; i < to; i++) {
      const day = Math.floor((i * options.days) / options.records);
      const date = new Date(first + day * 86_400_000).toISOString().slice(0, 10);
      const quantity = 1 + Math.floor(random() * 5);
      const price = (199 + Math.floor(random() * 30_000)) / 100;
      const row = [
        String(i + 1),
        date,
        pick(CUSTOMERS, random()),
        pick(COUNTRIES, random()),
        pick(PRODUCTS, random()),
        String(quantity),
        price.toFixed(2),
        pick(CHANNELS, random()),
      ];
      // Spread the broken rows with a little jitter rather than on a fixed stride.
      if (badEvery > 0 && (i + Math.floor(random() * 3)) % badEvery === 0) {
        const kind = BAD_KINDS[bad % BAD_KINDS.length] as BadRowKind;
        if (kind === 'columns') row.pop();
        else if (kind === 'price') row[6] = random() < 0.5 ? 'N/A' : `${price.toFixed(2)}O`;
        else row[1] = random() < 0.5 ? `${date.slice(0, 5)}13-${date.slice(8)}` : date.replaceAll('-', '/');
        badByKind[kind]++;
        badOrderIds.push(i + 1);
        bad++;
      }
      lines.push(row.map(csvField).join(','));
    }
    const name = `orders-${String(f + 1).padStart(3, '0')}.csv`;
    const text = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text);
    await writeFile(join(dir, `.${name}.tmp`), text);
    await rename(join(dir, `.${name}.tmp`), join(dir, name));
    files.push(name);
  }
  const manifest: DatasetManifest = {
    options,
    files,
    validRecords: options.records - bad,
    badRecords: bad,
    badByKind,
    badOrderIds,
    bytes,
  };
  await writeFile(join(dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of a generated dataset, or undefined when `dir` has none. */
export async function readManifest(dir: string): Promise<DatasetManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8')) as DatasetManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
