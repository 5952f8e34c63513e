import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { KinesisSinkOptions } from './sink/kinesis-sink-options.js';
import { KinesisSourceOptions } from './source/kinesis-source-options.js';

/**
 * Keeps README.md and docs/connectors/kinesis.md honest: snippets are the `#region`s of
 * docs-examples.int.test.ts (where they run against kinesalite), option tables come from the
 * option schemas. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/kinesis/src/docs-sections`.
 */
it('kinesis connector docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/connectors/kinesis.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.int.test.ts', import.meta.url)],
    options: {
      sink: KinesisSinkOptions,
      source: KinesisSourceOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
