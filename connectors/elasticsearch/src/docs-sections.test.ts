import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { ElasticsearchSinkOptions } from './sink/elasticsearch-sink-options.js';
import { ElasticsearchSourceOptions } from './source/elasticsearch-source-options.js';

/**
 * Keeps README.md and docs/connectors/elasticsearch.md honest: snippets are the `#region`s of
 * docs-examples.int.test.ts (where they run against a real Elasticsearch), option tables come
 * from the option schemas. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/elasticsearch/src/docs-sections`.
 */
it('elasticsearch connector docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/connectors/elasticsearch.md', import.meta.url),
    ],
    snippetSources: [new URL('./docs-examples.int.test.ts', import.meta.url)],
    options: {
      sink: ElasticsearchSinkOptions,
      source: ElasticsearchSourceOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
