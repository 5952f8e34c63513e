import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricRegistry, SourceReaderMetricGroup } from '@tributary/core';
import { JsonFileFormat } from '@tributary/format-json';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileSourceSplit } from './file-source-split.js';
import { FileSplitReader } from './file-split-reader.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function splitOf(path: string, size: number): FileSourceSplit {
  return {
    splitId: `${path}:0`,
    path,
    start: 0,
    end: null,
    fileSize: size,
    modificationTime: 0,
    position: null,
  };
}

describe('FileSplitReader pendingBytes', () => {
  it('is absent before any split, then counts the unread bytes of the assigned splits down to 0', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-files-pending-'));
    const lines = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ id: i, pad: 'x'.repeat(20) }));
    const text = `${lines.join('\n')}\n`;
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await writeFile(a, text);
    await writeFile(b, text);
    const size = Buffer.byteLength(text);
    const registry = new MetricRegistry();
    const metrics = new SourceReaderMetricGroup(registry, { job: 'j', operator: 'files', subtask: '0' });
    const reader = new FileSplitReader(
      new JsonFileFormat(),
      { compression: 'auto', readChunkBytes: 16 * 1024 },
      metrics,
    );
    const gauge = () => registry.find('pendingBytes', { subtask: '0' })?.read();
    // No split yet: unknown, not "nothing left".
    expect(gauge()).toBeUndefined();
    await reader.handleSplitsChanges({ type: 'add', splits: [splitOf(a, size), splitOf(b, size)] });
    expect(gauge()).toBe(2 * size);
    const seen: number[] = [];
    for (let finished = 0; finished < 2; ) {
      const fetched = await reader.fetch();
      finished += fetched.finishedSplits.length;
      seen.push(gauge() as number);
    }
    // Falls with every chunk, never rises, and reaches exactly 0 with the bytes read in numBytesIn.
    expect(seen.length).toBeGreaterThan(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThanOrEqual(seen[i - 1] as number);
    expect(seen.some((v) => v > 0 && v < 2 * size)).toBe(true);
    expect(gauge()).toBe(0);
    expect(metrics.numBytesIn.count).toBe(2 * size);
    await reader.close();
  });
});
