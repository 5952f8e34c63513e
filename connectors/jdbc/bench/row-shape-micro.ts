/**
 * Micro-benchmark of the sink's encoding pass against a raw loop (the numbers in
 * docs/connectors/jdbc.md, "Benchmarks"): 200 000 rows of the bench's shape in 1000-row chunks,
 * encoded for SQLite by `RowShape.fillChunk` (compiled per column list), by the generic loop, by a
 * raw loop's four property reads, by reads of `row[columns[i]]` (the shape check folded into the
 * reads, no unknown-field check), and the `for…in` shape check alone. Median ms per 200 000 rows of
 * 25 rounds in alternating order (the first 3 dropped). Run it through the CPU gate:
 * `pnpm --filter @tributary/connector-jdbc exec tsx --conditions=@tributary/source bench/row-shape-micro.ts`.
 */
import { performance } from 'node:perf_hooks';
import type { Row } from '../src/dialect/dialect.js';
import { sqliteDialect } from '../src/dialect/sqlite-dialect.js';
import { fillGeneric, RowShape } from '../src/sink/row-shape.js';

const row = (i: number): Row => ({ id: i, name: `name-${i}`, amount: i % 1000, note: 'x'.repeat(40) });
const COLUMNS = ['id', 'name', 'amount', 'note'];
const encoder = sqliteDialect.parameterEncoder('');
const encoders = COLUMNS.map(() => encoder);
const shape = new RowShape(COLUMNS, encoders, undefined);
const ROWS = 200_000;
const BATCH = 1000;
const WIDTH = COLUMNS.length;
const batches: Row[][] = [];
for (let start = 0; start < ROWS; start += BATCH)
  batches.push(Array.from({ length: BATCH }, (_, i) => row(start + i)));
const out = new Array<unknown>(BATCH * WIDTH).fill(null);
let checksum = 0;

const variants: Record<string, () => void> = {
  compiled() {
    for (const rows of batches) {
      shape.fillChunk(rows, undefined, 0, BATCH, BATCH, out, []);
      checksum += shape.chunkBytes;
    }
  },
  generic() {
    for (const rows of batches) {
      fillGeneric(shape, COLUMNS, encoders, rows, undefined, 0, BATCH, BATCH, out, []);
      checksum += shape.chunkBytes;
    }
  },
  raw() {
    for (const rows of batches)
      for (let i = 0; i < BATCH; i++) {
        const r = rows[i] as { id: number; name: string; amount: number; note: string };
        out[i * WIDTH] = r.id;
        out[i * WIDTH + 1] = r.name;
        out[i * WIDTH + 2] = r.amount;
        out[i * WIDTH + 3] = r.note;
      }
  },
  readsByColumnName() {
    for (const rows of batches)
      for (let p = 0; p < BATCH; p++) {
        const r = rows[p] as Row;
        for (let i = 0; i < WIDTH; i++) {
          const value = r[COLUMNS[i] as string];
          if (value === undefined) {
            checksum++;
            break;
          }
          const encoded = (encoders[i] as (v: unknown) => unknown)(value);
          out[p * WIDTH + i] = encoded;
          checksum += typeof encoded === 'string' ? encoded.length : 8;
        }
      }
  },
  forInCheckOnly() {
    for (const rows of batches)
      for (let p = 0; p < BATCH; p++) {
        let i = 0;
        for (const field in rows[p] as Row) {
          if (field !== COLUMNS[i]) break;
          i++;
        }
        checksum += i;
      }
  },
};

const names = Object.keys(variants);
const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < 25; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    const start = performance.now();
    (variants[name] as () => void)();
    (times[name] as number[]).push(performance.now() - start);
  }
}
for (const name of names) {
  const sorted = (times[name] as number[]).slice(3).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  process.stdout.write(`${name.padEnd(20)} ${median.toFixed(2)} ms per ${ROWS} rows\n`);
}
process.stdout.write(`checksum ${checksum}\n`);
