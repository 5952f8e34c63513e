import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { DebeziumJsonOptions } from './debezium-json-options.js';

/**
 * Keeps README.md and docs/formats/debezium-json.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run), the option table comes from the options schema.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit formats/debezium-json/src/docs-sections`.
 */
it('debezium-json docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/formats/debezium-json.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.test.ts', import.meta.url)],
    options: { 'debezium-json': DebeziumJsonOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
