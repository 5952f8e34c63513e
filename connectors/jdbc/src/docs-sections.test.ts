import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { JdbcLookupOptions } from './lookup/jdbc-lookup.js';
import { JdbcSinkOptions } from './sink/jdbc-sink-options.js';
import { JdbcSourceOptions } from './source/jdbc-source-options.js';

/**
 * Keeps README.md and docs/connectors/jdbc.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run), option tables come from the option schemas.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/jdbc/src/docs-sections`,
 * then `pnpm exec biome check --write docs`.
 */
it('jdbc connector docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/connectors/jdbc.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.test.ts', import.meta.url)],
    options: { sink: JdbcSinkOptions, source: JdbcSourceOptions, lookup: JdbcLookupOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
