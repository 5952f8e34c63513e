import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { MySqlCdcSourceOptions } from './source/mysql-cdc-source-options.js';

/**
 * Keeps docs/connectors/mysql-cdc.md honest: the examples are `#region`s of
 * docs-examples.int.test.ts and consistency-under-load.int.test.ts (where they run against MariaDB,
 * PostgreSQL and Kafka), the option table comes from the schema.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/mysql-cdc/src/docs-sections`.
 */
it('mysql-cdc docs have a current example and option table', () => {
  const report = syncDocSections({
    docs: [new URL('../../../docs/connectors/mysql-cdc.md', import.meta.url)],
    snippetSources: [
      new URL('./docs-examples.int.test.ts', import.meta.url),
      new URL('./source/consistency-under-load.int.test.ts', import.meta.url),
    ],
    options: { source: MySqlCdcSourceOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
