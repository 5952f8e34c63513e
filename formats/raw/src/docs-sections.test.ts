import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { RawFormatOptions } from './raw-format-options.js';

/**
 * Keeps README.md and docs/formats/raw.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run), option tables come from the options schema.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit formats/raw/src/docs-sections`.
 */
it('raw format docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/formats/raw.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.test.ts', import.meta.url)],
    options: {
      raw: RawFormatOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
