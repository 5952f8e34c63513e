import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectionSource,
  CollectSink,
  type FileDeadLetter,
  isFileDeadLetter,
  Pipeline,
  RoutingSink,
  silentLogger,
} from '@tributary/core';
import { JsonFileFormat, JsonWriterFormat } from '@tributary/format-json';
import { describe, expect, it } from 'vitest';
import { BucketAssigners, FileSink, FileSource } from './index.js';
import { jsonLinesFixture } from './testing-fixtures/json-lines-fixture.js';
import { listTree, readVisibleJsonLines } from './testing-fixtures/sink-harness.js';

// The #regions below are the snippets of connectors/files/README.md and docs/connectors/files.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs. `jsonLines`,
// `csv` and `parquet` stand for real formats (`@tributary/format-json`, `-csv`, `-parquet`); the
// connector's own tests use a small fixture format instead.

interface Order {
  readonly id: number;
  readonly ts: string;
  readonly country: string;
}
const env = { logger: silentLogger };

describe('files docs examples', () => {
  it('writes Hive-partitioned part files exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-docs-'));
    const jsonLines = jsonLinesFixture<Order>();
    const orders = CollectionSource.of<Order>([
      { id: 1, ts: '2024-05-01T10:00:00Z', country: 'de' },
      { id: 2, ts: '2024-05-01T23:59:00Z', country: 'fr' },
      { id: 3, ts: '2024-05-02T08:30:00Z', country: 'de' },
    ]);
    // #region sink
    const sink = FileSink.forFormat(join(dir, 'orders'), jsonLines, {
      bucketAssigner: BucketAssigners.hive<Order>({
        date: BucketAssigners.dateTime({ pattern: 'yyyy-MM-dd', time: { field: 'ts' } }),
        country: 'country',
      }),
      maxPartSizeBytes: 64 * 1024 * 1024,
      successMarker: { enabled: true },
    });
    await Pipeline.from(orders)
      .sinkTo(sink)
      .execute(
        { parallelism: 2, checkpointing: { intervalMs: 10_000, directory: join(dir, 'checkpoints') } },
        env,
      );
    // orders/date=2024-05-01/country=de/part-3f9c1a2b7d4e-0-0.jsonl
    // orders/date=2024-05-01/country=de/_SUCCESS
    // orders/date=2024-05-01/country=fr/…   orders/date=2024-05-02/country=de/…
    // #endregion sink
    const files = await listTree(join(dir, 'orders'));
    expect(files.filter((f) => f.endsWith('_SUCCESS')).sort()).toEqual([
      'date=2024-05-01/country=de/_SUCCESS',
      'date=2024-05-01/country=fr/_SUCCESS',
      'date=2024-05-02/country=de/_SUCCESS',
    ]);
    expect(files.filter((f) => /\/part-[0-9a-f]{12}-\d-\d+\.jsonl$/.test(f))).toHaveLength(3);
  });

  it('reads a directory, continuously or once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-docs-'));
    await mkdir(join(dir, 'landing', '2024'), { recursive: true });
    await writeFile(join(dir, 'landing', '2024', 'a.csv'), '1\n2\n');
    await writeFile(join(dir, 'landing', '2024', 'b.csv.tmp'), '3\n');
    const csv = jsonLinesFixture<number>();
    // #region source
    const bounded = FileSource.forFormat(csv, join(dir, 'landing'), {
      includeGlobs: ['*.csv', '*.csv.gz'], // by name at any depth; '2024/**/*.csv' matches paths
      regionSizeBytes: 32 * 1024 * 1024, // splittable formats: read big files in parallel regions
    });
    const continuous = FileSource.forFormat(csv, join(dir, 'landing'), {
      includeGlobs: ['*.csv'],
      monitorIntervalMs: 10_000, // list again every 10 s, read only new files
      withMetadata: true, // { value, path, size, modificationTime, line, position }
    });
    // #endregion source
    using out = CollectSink.create<number>();
    await Pipeline.from(bounded).sinkTo(out.sink).execute({}, env);
    expect(out.results().sort()).toEqual([1, 2]);
    expect(continuous.boundedness).toBe('unbounded');
  });

  it('copies files to files exactly once (the demo pipeline shape)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-docs-'));
    await mkdir(join(dir, 'in'));
    await writeFile(
      join(dir, 'in', 'orders.csv'),
      `${JSON.stringify({ id: 1, ts: '2024-05-01T10:00:00Z', country: 'de' })}\n`,
    );
    const csv = jsonLinesFixture<Order>();
    const parquet = jsonLinesFixture<Order & { amount: number }>();
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    // #region pipeline
    await Pipeline.from(FileSource.forFormat(csv, input, { includeGlobs: ['*.csv'] }))
      .map((order) => ({ ...order, amount: 0 }))
      .sinkTo(
        FileSink.forFormat(output, parquet, {
          bucketAssigner: BucketAssigners.hive({
            date: BucketAssigners.dateTime({ pattern: 'yyyy-MM-dd', time: { field: 'ts' } }),
          }),
        }),
      )
      .execute(
        { parallelism: 2, checkpointing: { intervalMs: 30_000, directory: join(dir, 'checkpoints') } },
        env,
      );
    // #endregion pipeline
    expect(await readdir(output)).toEqual(['date=2024-05-01']);
    expect(await readVisibleJsonLines(output)).toEqual([
      { id: 1, ts: '2024-05-01T10:00:00Z', country: 'de', amount: 0 },
    ]);
  });

  it('merges small files at commit time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-docs-'));
    const jsonLines = jsonLinesFixture<number>();
    const values = CollectionSource.of(Array.from({ length: 100 }, (_, i) => i));
    // #region compaction
    const sink = FileSink.forFormat(join(dir, 'events'), jsonLines, {
      bucketAssigner: BucketAssigners.basePath(),
      compaction: {
        enabled: true,
        smallFileSizeBytes: 16 * 1024 * 1024,
        targetFileSizeBytes: 128 * 1024 * 1024,
      },
      // Bulk formats (Parquet) and formats with headers (CSV) merge by re-encoding:
      // compactionFormat: new ParquetFileFormat(),
    });
    // #endregion compaction
    await Pipeline.from(values).sinkTo(sink).execute({ parallelism: 4 }, env);
    const files = await readdir(join(dir, 'events'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/-compacted\.jsonl$/);
    expect((await readVisibleJsonLines<number>(join(dir, 'events'))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('routes unparseable records to a dead-letter directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-docs-'));
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'orders.jsonl'), '{"id":1}\n{"id":2,oops\n{"id":3}\n');
    const outputDir = join(dir, 'out');
    // #region dead-letters
    type Routed = Order | FileDeadLetter;
    const source = FileSource.forFormat(
      new JsonFileFormat<Routed>({ errors: 'dead-letter' }),
      join(dir, 'in'),
    );
    const sink = new RoutingSink<Routed>(
      {
        orders: FileSink.forFormat(join(outputDir, 'orders'), new JsonWriterFormat<Routed>()),
        deadLetters: FileSink.forFormat(join(outputDir, 'dead-letters'), new JsonWriterFormat<Routed>()),
      },
      (record) => (isFileDeadLetter(record) ? 'deadLetters' : 'orders'),
    );
    await Pipeline.from(source)
      .sinkTo(sink)
      .execute({ checkpointing: { intervalMs: 10_000 } }, env);
    // dead-letters/…/part-….jsonl:
    // {"kind":"file-dead-letter","file":"…/in/orders.jsonl","offset":9,"line":2,"raw":"{\"id\":2,oops",
    //  "error":{"code":"TRIB_RECORD_INVALID","message":"Invalid JSON record: … (at file '…', line 2)"}}
    // #endregion dead-letters
    expect(await readVisibleJsonLines(join(outputDir, 'orders'))).toEqual([{ id: 1 }, { id: 3 }]);
    expect(await readVisibleJsonLines(join(outputDir, 'dead-letters'))).toEqual([
      {
        kind: 'file-dead-letter',
        file: join(dir, 'in', 'orders.jsonl'),
        offset: 9,
        line: 2,
        raw: '{"id":2,oops',
        error: { code: 'TRIB_RECORD_INVALID', message: expect.stringContaining('line 2)') },
      },
    ]);
  });
});
