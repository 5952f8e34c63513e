import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { JsonFormatOptions } from './json-format-options.js';

/**
 * Keeps README.md and docs/formats/json.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run), option tables come from the options schema.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit formats/json/src/docs-sections`.
 */
it('json format docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/formats/json.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.test.ts', import.meta.url)],
    options: {
      json: JsonFormatOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
