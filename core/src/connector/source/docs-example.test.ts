import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InputStatus } from '../../api/source.js';
import { extractRegions, syncDocSections } from '../../testing/index.js';
import { BatchingReaderOutput } from '../../watermark/batching-reader-output.js';
import { Watermarks } from '../../watermark/watermark-strategies.js';
import { SourceReaderBaseOptions } from './source-reader-options.js';
import { FakeLog, testReaderContext } from './testing-fixtures/fake-log.js';
import { createLogSourceReader, type LogSplit } from './testing-fixtures/log-connector.js';

const docUrl = new URL('../../../../docs/connector-base.md', import.meta.url);
const fixtureUrl = new URL('./testing-fixtures/log-connector.ts', import.meta.url);
const batchFixtureUrl = new URL('./testing-fixtures/log-batch-connector.ts', import.meta.url);

/** Reads to the end like the runtime: pollNext, and isAvailable after 'nothing'. */
async function readAll(
  reader: ReturnType<typeof createLogSourceReader>,
  output: BatchingReaderOutput<number>,
) {
  for (
    let status: InputStatus = reader.pollNext(output);
    status !== 'end';
    status = reader.pollNext(output)
  ) {
    if (status === 'nothing') await reader.isAvailable();
  }
  return output.takeBatch().values;
}

describe('docs/connector-base.md', () => {
  it('runs its example: reads to the end, then restores from a mid-stream checkpoint exactly', async () => {
    const log = new FakeLog().createPartition('orders-0', { available: 30 }).createPartition('orders-1', {
      available: 12,
    });
    const splits: LogSplit[] = [
      { splitId: 'orders-0', offset: 0, endOffset: 30 },
      { splitId: 'orders-1', offset: 0, endOffset: 12 },
    ];

    await using reader = createLogSourceReader(log, testReaderContext(), { maxRecordsPerPoll: 7 });
    const output = new BatchingReaderOutput<number>(Watermarks.monotonous<number>());
    reader.addSplits(splits);
    await reader.isAvailable();
    expect(reader.pollNext(output)).toBe('more');
    const checkpoint = reader.snapshotState(1);
    const emittedBefore = output.takeBatch().values.length;
    expect(emittedBefore).toBe(7);
    expect(checkpoint.reduce((n, s) => n + s.offset, 0)).toBe(7);
    reader.notifyNoMoreSplits();
    expect(await readAll(reader, output)).toHaveLength(42 - 7);
    expect(reader.finished.sort()).toEqual(['orders-0', 'orders-1']);

    // A new reader restored from the checkpoint emits exactly what came after it.
    await using restored = createLogSourceReader(log, testReaderContext());
    restored.addSplits(checkpoint);
    restored.notifyNoMoreSplits();
    expect(await readAll(restored, new BatchingReaderOutput<number>(Watermarks.none<number>()))).toHaveLength(
      42 - 7,
    );
  });

  it('quotes the example connector and the options schema as they are (TRIB_UPDATE_DOCS=1 rewrites it)', () => {
    expect([...extractRegions(readFileSync(fixtureUrl, 'utf8')).keys()]).toEqual([
      'split-reader',
      'emitter-and-reader',
    ]);
    expect([...extractRegions(readFileSync(batchFixtureUrl, 'utf8')).keys()]).toEqual(['batch-emitter']);
    const report = syncDocSections({
      docs: [docUrl],
      snippetSources: [fixtureUrl, batchFixtureUrl],
      options: { sourceReader: SourceReaderBaseOptions },
    });
    expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
      stale: [],
      unusedSnippets: [],
      unusedOptions: [],
    });
  });
});
