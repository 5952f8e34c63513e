import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineOptions } from '../../config/options.js';
import { syncDocSections } from '../../testing/index.js';
import {
  AsyncSinkWriterOptions,
  asyncSinkWriterOptionsRules,
  asyncSinkWriterOptionsShape,
} from './async-sink-writer-options.js';

/**
 * Keeps docs/async-sink.md honest: its snippets are `#region`s of this file and of
 * async-sink-base.test.ts, where they run; its option table comes from the schema. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit core/src/connector/sink/async-sink-docs`.
 */

// #region connector-sink-options
const KinesisSinkOptions = defineOptions(
  'kinesis.sink',
  z
    .strictObject({
      ...asyncSinkWriterOptionsShape,
      maxBatchSize: z.number().int().min(1).max(500).default(500).describe('Records per PutRecords call.'),
      streamName: z.string().min(1).describe('Target stream.'),
    })
    .superRefine(asyncSinkWriterOptionsRules),
);
// #endregion connector-sink-options

describe('docs/async-sink.md', () => {
  it('a connector schema built from the shared keys keeps its limits and the cross-field rules', () => {
    expect(KinesisSinkOptions.parse({ streamName: 'orders' }).maxBatchSize).toBe(500);
    expect(() => KinesisSinkOptions.parse({ streamName: 'orders', maxBatchSize: 501 })).toThrow(
      /maxBatchSize/,
    );
    expect(() => KinesisSinkOptions.parse({ streamName: 'orders', unknownKey: 1 })).toThrow(/unknownKey/);
    // A cross-field rule of the shared keys: a batch cannot exceed the buffer.
    expect(() =>
      KinesisSinkOptions.parse({ streamName: 'orders', maxBatchSize: 100, maxBufferedRequests: 10 }),
    ).toThrow(/must be greater than maxBatchSize/);
  });

  it('shows the current snippets', () => {
    const report = syncDocSections({
      docs: [new URL('../../../../docs/async-sink.md', import.meta.url)],
      snippetSources: [new URL('./async-sink-base.test.ts', import.meta.url), new URL(import.meta.url)],
      options: { 'async-sink-writer': AsyncSinkWriterOptions },
    });
    expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
      stale: [],
      unusedSnippets: [],
      unusedOptions: [],
    });
  });
});
