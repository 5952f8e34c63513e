import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { FileSinkOptions } from './sink/file-sink-options.js';
import { FileSourceOptions } from './source/file-source-options.js';

/**
 * Keeps README.md and docs/connectors/files.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run), option tables come from the option schemas.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/files/src/docs-sections`,
 * then `pnpm exec biome check --write docs` (Biome aligns the tables; the check ignores alignment).
 */
it('files connector docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/connectors/files.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.test.ts', import.meta.url)],
    options: {
      sink: FileSinkOptions,
      source: FileSourceOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
