import { JobOptions } from '@tributary/core';
import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';

/**
 * Keeps the connector-author guides (docs/guides) honest: their snippets are `#region`s of the
 * template that `create-tributary-connector` copies (tested in place by the repository's unit and
 * e2e projects) and of the services harness's example, and the job-options table is generated from `JobOptions`. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit create-tributary-connector/test/guides-docs`.
 */
it('docs/guides show the current template code and job options', () => {
  const template = (path: string) => new URL(`../template/${path}`, import.meta.url);
  const report = syncDocSections({
    // Literal paths: the docs build finds the pages a syncDocSections test keeps current by them.
    docs: [
      new URL('../../docs/guides/write-a-source.md', import.meta.url),
      new URL('../../docs/guides/write-a-2pc-sink.md', import.meta.url),
      new URL('../../docs/guides/test-your-connector.md', import.meta.url),
      new URL('../../docs/guides/job-options.md', import.meta.url),
    ],
    snippetSources: [
      template('src/partition-source.ts'),
      template('src/partition-reader.ts'),
      template('src/partition-sink.ts'),
      template('test/contract-context.ts'),
      template('test/contract.int.test.ts'),
      // The services harness as a third-party author uses it (the same test runs from npm in
      // packed-install.int.test.ts).
      new URL('../../e2e/src/docs-examples/use-service.int.test.ts', import.meta.url),
    ],
    options: { job: JobOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
