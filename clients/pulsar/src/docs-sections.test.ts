import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';

/**
 * Keeps README.md and docs/clients/pulsar.md honest: snippets are the `#region`s of
 * docs-examples.int.test.ts (where they run against the local broker). Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit clients/pulsar/src/docs-sections`.
 */
it('pulsar client docs have current snippets', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/clients/pulsar.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.int.test.ts', import.meta.url)],
    options: {},
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
