import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';

/**
 * Keeps the contract-suite section of docs/e2e.md honest: its snippets are the `#region`s of the
 * connector template of create-tributary-connector, whose contract test runs in the e2e project. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit testkit/src/contract-docs`.
 */
it('docs/e2e.md shows the current example contract context and test', () => {
  const report = syncDocSections({
    docs: [new URL('../../docs/e2e.md', import.meta.url)],
    snippetSources: [
      new URL('../../create-tributary-connector/template/test/contract-context.ts', import.meta.url),
      new URL('../../create-tributary-connector/template/test/contract.int.test.ts', import.meta.url),
      new URL('../../e2e/src/docs-examples/use-service.int.test.ts', import.meta.url),
      new URL('../../e2e/src/docs-examples/private-instances.int.test.ts', import.meta.url),
      new URL('../../e2e/src/docs-examples/private-prometheus.int.test.ts', import.meta.url),
      new URL('../../e2e/src/kafka/kafka-cluster.int.test.ts', import.meta.url),
    ],
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
