import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { FilesErrorCodes } from '../files-error-codes.js';
import { FakeEnumeratorContext } from '../testing-fixtures/fake-enumerator-context.js';
import { bulkFixture, jsonLinesFixture } from '../testing-fixtures/json-lines-fixture.js';
import { FileSource } from './file-source.js';
import type { FileSourceOptionsInput } from './file-source-options.js';
import type { FileSourceSplit } from './file-source-split.js';
import type { FileEnumeratorState } from './file-split-enumerator.js';

const lines = (n: number) => Array.from({ length: n }, (_, i) => `${i}\n`).join('');

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trib-files-enum-'));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return dir;
}

async function listing(dir: string, options: FileSourceOptionsInput = {}, splittable = true) {
  const source = FileSource.forFormat(splittable ? jsonLinesFixture() : bulkFixture(), dir, options);
  const ctx = new FakeEnumeratorContext<FileSourceSplit>(2);
  const enumerator = source.createEnumerator(ctx);
  enumerator.start();
  await ctx.runAsyncTasks();
  return { source, ctx, enumerator };
}

/** Assigns every split to reader 0, one request at a time; returns the relative paths read. */
function drain(dir: string, { ctx, enumerator }: Awaited<ReturnType<typeof listing>>): string[] {
  for (let i = 0; i < 1000 && !ctx.noMoreSplits.includes(0); i++) enumerator.handleSplitRequest(0);
  return ctx.allAssigned().map((s) => s.path.slice(dir.length + 1));
}

describe('file listing', () => {
  it('walks directories recursively, skips hidden files and directories, sorts by path', async () => {
    const dir = await tree({
      'b.json': '1\n',
      'a/x.json': '1\n',
      'a/deep/y.json': '1\n',
      '.hidden.json': '1\n',
      _SUCCESS: '',
      'a/.part-1.inprogress': '1\n',
      '_tmp/z.json': '1\n',
      '.tributary/end.json': '{}',
    });
    expect(drain(dir, await listing(dir))).toEqual(['a/deep/y.json', 'a/x.json', 'b.json']);
    expect(drain(dir, await listing(dir, { recursive: false }))).toEqual(['b.json']);
  });

  it('applies include/exclude globs and a path regex to paths relative to the root', async () => {
    const dir = await tree({ 'a.csv': '1\n', 'b.json': '1\n', 'x/c.csv': '1\n', 'x/tmp/d.csv': '1\n' });
    expect(drain(dir, await listing(dir, { includeGlobs: ['*.csv'] }))).toEqual([
      'a.csv',
      'x/c.csv',
      'x/tmp/d.csv',
    ]);
    expect(drain(dir, await listing(dir, { includeGlobs: ['*.csv'], excludeGlobs: ['**/tmp/**'] }))).toEqual([
      'a.csv',
      'x/c.csv',
    ]);
    expect(drain(dir, await listing(dir, { pathRegex: '^x/' }))).toEqual(['x/c.csv', 'x/tmp/d.csv']);
  });

  it('takes explicit file paths as they are, and fails on a missing path (bounded)', async () => {
    const dir = await tree({ '_odd-name.json': '1\n' });
    const explicit = await listing(join(dir, '_odd-name.json'));
    expect(drain(dir, explicit)).toEqual(['_odd-name.json']);
    const missing = await listing(join(dir, 'nope'));
    expect(missing.ctx.failures).toHaveLength(1);
    expect(hasErrorCode(missing.ctx.failures[0], FilesErrorCodes.PATH_NOT_FOUND)).toBe(true);
  });
});

describe('FileSplitEnumerator', () => {
  it('splits large files of splittable formats into regions, never compressed or bulk files', async () => {
    const dir = await tree({ 'a.json': lines(100), 'b.json.gz': lines(100), 'c.json': '' });
    const { ctx, enumerator } = await listing(dir, { regionSizeBytes: 100 });
    drain(dir, { ctx, enumerator, source: undefined as never });
    const regions = ctx.allAssigned().map((s) => [s.path.slice(dir.length + 1), s.start, s.end]);
    expect(regions).toEqual([
      ['a.json', 0, 100],
      ['a.json', 100, 200],
      ['a.json', 200, null],
      ['b.json.gz', 0, null],
    ]);
    const bulk = await listing(dir, { regionSizeBytes: 100 }, false);
    expect(drain(dir, bulk)).toEqual(['a.json', 'b.json.gz']);
  });

  it('assigns one split per request, parks readers until splits exist, and ends bounded readers', async () => {
    const dir = await tree({ 'a.json': '1\n', 'b.json': '1\n' });
    const source = FileSource.forFormat(jsonLinesFixture(), dir);
    const ctx = new FakeEnumeratorContext<FileSourceSplit>(3);
    const enumerator = source.createEnumerator(ctx);
    enumerator.start();
    enumerator.handleSplitRequest(0); // before the listing finished: parked
    expect(ctx.allAssigned()).toEqual([]);
    const unassigned = () => ctx.registry.find('unassignedSplits')?.read();
    expect(unassigned()).toBeUndefined(); // not listed yet: unknown, not 0
    await ctx.runAsyncTasks();
    expect(ctx.assigned.get(0)?.length).toBe(1);
    expect(unassigned()).toBe(1);
    enumerator.handleSplitRequest(1);
    enumerator.handleSplitRequest(2);
    expect(ctx.assigned.get(1)?.length).toBe(1);
    expect([...ctx.noMoreSplits]).toEqual([2]);
    // A failed reader's split comes back and goes to the next reader that asks.
    enumerator.addSplitsBack(ctx.assigned.get(1) ?? [], 1);
    enumerator.handleSplitRequest(0);
    expect(ctx.assigned.get(0)?.map((s) => s.path)).toEqual([join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(enumerator.endPosition()?.maxModificationTime).toBeGreaterThan(0);
  });

  it('restores pending splits and does not list again once a bounded listing finished', async () => {
    const dir = await tree({ 'a.json': '1\n', 'b.json': '1\n' });
    const { source, ctx, enumerator } = await listing(dir);
    enumerator.handleSplitRequest(0);
    const state = JSON.parse(JSON.stringify(enumerator.snapshotState())) as FileEnumeratorState;
    await writeFile(join(dir, 'c.json'), '1\n');
    const ctx2 = new FakeEnumeratorContext<FileSourceSplit>(2);
    const restored = source.restoreEnumerator(ctx2, state);
    restored.start();
    await ctx2.runAsyncTasks();
    expect(drain(dir, { ctx: ctx2, enumerator: restored, source })).toEqual(['b.json']);
    expect(ctx.allAssigned().map((s) => s.path)).toEqual([join(dir, 'a.json')]);
  });

  it('continuous mode: lists again each round, enumerates every file once, keeps the seen state bounded', async () => {
    const dir = await tree({});
    const source = FileSource.forFormat(jsonLinesFixture(), dir, {
      monitorIntervalMs: 10,
      seenFilesRetentionMs: 5_000,
    });
    expect(source.boundedness).toBe('unbounded');
    const ctx = new FakeEnumeratorContext<FileSourceSplit>(1);
    let enumerator = source.createEnumerator(ctx);
    enumerator.start();
    const base = Date.UTC(2024, 0, 1) / 1000;
    for (let round = 0; round < 40; round++) {
      const path = join(dir, `f-${round}.json`);
      await writeFile(path, `${round}\n`);
      await utimes(path, base + round, base + round); // one file per "second"
      await ctx.runAsyncTasks();
      enumerator.handleSplitRequest(0);
      // Only files within the 5 s retention window are remembered by path.
      expect(enumerator.seenFileCount).toBeLessThanOrEqual(6);
      if (round === 20) {
        enumerator = source.restoreEnumerator(ctx, JSON.parse(JSON.stringify(enumerator.snapshotState())));
        enumerator.start();
      }
    }
    const read = ctx.allAssigned().map((s) => s.path.slice(dir.length + 1));
    expect(read).toEqual(Array.from({ length: 40 }, (_, i) => `f-${i}.json`));
    expect(ctx.noMoreSplits).toEqual([]);
    expect(enumerator.endPosition()?.maxModificationTime).toBe((base + 39) * 1000);
  });
});
