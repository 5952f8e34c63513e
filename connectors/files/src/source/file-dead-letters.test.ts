import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectSink,
  type FileDeadLetter,
  isFileDeadLetter,
  MetricRegistry,
  Pipeline,
  RoutingSink,
  silentLogger,
} from '@tributary/core';
import { JsonFileFormat, JsonWriterFormat } from '@tributary/format-json';
import { describe, expect, it } from 'vitest';
import { BucketAssigners } from '../sink/bucket-assigners.js';
import { FileSink } from '../sink/file-sink.js';
import { hiddenPartFiles, readVisibleJsonLines } from '../testing-fixtures/sink-harness.js';
import { FileSource } from './file-source.js';

interface Order {
  readonly id: number;
}
type Routed = Order | FileDeadLetter;

describe('FileSource with dead letters', () => {
  it('routes parse failures to a dead-letter FileSink, across a restart, each exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-dlq-'));
    const input = join(dir, 'in');
    await mkdir(input);
    const isBroken = (i: number) => i % 97 === 13;
    const line = (i: number) => (isBroken(i) ? `{"id": ${i}, broken` : JSON.stringify({ id: i }));
    const perFile = 3000;
    for (const f of [0, 1]) {
      const ids = Array.from({ length: perFile }, (_, k) => f * perFile + k);
      await writeFile(join(input, `part-${f}.jsonl`), `${ids.map(line).join('\n')}\n`);
    }
    const total = 2 * perFile;
    const sinkTo = (name: string) =>
      FileSink.forFormat<Routed>(join(dir, name), new JsonWriterFormat<Routed>(), {
        bucketAssigner: BucketAssigners.basePath(),
      });

    let failed = false;
    let seen = 0;
    const result = await Pipeline.from(
      FileSource.forFormat(new JsonFileFormat<Routed>({ errors: 'dead-letter' }), input, {
        regionSizeBytes: 20_000,
        maxRecordsPerPoll: 100,
      }),
    )
      .map((record) => {
        if (!failed && ++seen > 4000) {
          failed = true;
          throw new Error('injected failure');
        }
        return record;
      })
      .sinkTo(
        new RoutingSink<Routed>(
          { orders: sinkTo('orders'), deadLetters: sinkTo('dead-letters') },
          (record) => (isFileDeadLetter(record) ? 'deadLetters' : 'orders'),
        ),
      )
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 20 },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 20 },
        },
        { logger: silentLogger },
      );
    expect(result.restarts).toBe(1);

    const all = Array.from({ length: total }, (_, i) => i);
    const orders = await readVisibleJsonLines<Order>(join(dir, 'orders'));
    expect(orders.map((o) => o.id).sort((a, b) => a - b)).toEqual(all.filter((i) => !isBroken(i)));

    const letters = await readVisibleJsonLines<FileDeadLetter>(join(dir, 'dead-letters'));
    const broken = all.filter(isBroken);
    expect(letters.map((l) => l.raw).sort()).toEqual(broken.map(line).sort());
    for (const letter of letters) {
      const id = Number(/"id": (\d+)/.exec(letter.raw as string)?.[1]);
      expect(letter).toMatchObject({
        kind: 'file-dead-letter',
        file: join(input, `part-${Math.floor(id / perFile)}.jsonl`),
        error: { code: 'TRIB_RECORD_INVALID' },
      });
      // The dead letter says where the record is: its byte offset, and its line where the reader
      // knew it (it read its region from byte 0, not from a restored position).
      const first = Math.floor(id / perFile) * perFile;
      const offset = Array.from({ length: id - first }, (_, k) => line(first + k).length + 1).reduce(
        (a, b) => a + b,
        0,
      );
      expect(letter.offset).toBe(offset);
      if (offset >= 20_000) expect(letter.line).toBeUndefined();
      else if (letter.line !== undefined) expect(letter.line).toBe(id - first + 1);
    }
    expect(await hiddenPartFiles(join(dir, 'orders'))).toEqual([]);
  });

  it('counts dead letters in numRecordsInErrors, and as records in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-files-dlq-metrics-'));
    const lines = Array.from({ length: 1000 }, (_, i) => (i % 10 === 3 ? `{${i}` : `{"id":${i}}`));
    await writeFile(join(dir, 'a.jsonl'), `${lines.join('\n')}\n`);
    const registry = new MetricRegistry();
    using out = CollectSink.create<Routed>();
    await Pipeline.from(
      FileSource.forFormat(new JsonFileFormat<Routed>({ errors: 'dead-letter' }), dir, {
        regionSizeBytes: 2000,
      }),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 2 }, { logger: silentLogger, metricRegistry: registry });
    expect(out.results().filter(isFileDeadLetter)).toHaveLength(100);
    expect(registry.sum('numRecordsInErrors')).toBe(100);
    expect(registry.sum('numRecordsIn')).toBe(1000);
  });
});
