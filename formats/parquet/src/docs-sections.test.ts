import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { ParquetFormatOptions } from './parquet-format-options.js';

/**
 * Keeps README.md and docs/formats/parquet.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run), option tables come from the options schema.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit formats/parquet/src/docs-sections`.
 */
it('parquet format docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/formats/parquet.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.test.ts', import.meta.url)],
    options: {
      parquet: ParquetFormatOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
