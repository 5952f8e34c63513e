import { JobOptions } from '@tributary/core';
import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';

/**
 * Keeps the connector-author guides (docs/guides) honest: their snippets are `#region`s of the
 * template that `create-tributary-connector` copies (tested in place by the repository's unit and
 * e2e projects), and the job-options table is generated from `JobOptions`. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit create-tributary-connector/test/guides-docs`.
 */
it('docs/guides show the current template code and job options', () => {
  const guide = (name: string) => new URL(`../../docs/guides/${name}.md`, import.meta.url);
  const template = (path: string) => new URL(`../template/${path}`, import.meta.url);
  const report = syncDocSections({
    docs: ['write-a-source', 'write-a-2pc-sink', 'test-your-connector', 'job-options'].map(guide),
    snippetSources: [
      template('src/partition-source.ts'),
      template('src/partition-reader.ts'),
      template('src/partition-sink.ts'),
      template('test/contract-context.ts'),
      template('test/contract.int.test.ts'),
    ],
    options: { job: JobOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
