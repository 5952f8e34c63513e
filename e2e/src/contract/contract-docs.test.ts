import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';

/**
 * Keeps the contract-suite section of docs/e2e.md honest: its snippets are the `#region`s of the
 * example connector, whose contract test runs in the e2e project. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit e2e/src/contract/contract-docs`.
 */
it('docs/e2e.md shows the current example contract context and test', () => {
  const report = syncDocSections({
    docs: [new URL('../../../docs/e2e.md', import.meta.url)],
    snippetSources: [
      new URL('../../examples/jsonl-partitions/jsonl-contract-context.ts', import.meta.url),
      new URL('../../examples/jsonl-partitions/jsonl-contract.int.test.ts', import.meta.url),
    ],
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
