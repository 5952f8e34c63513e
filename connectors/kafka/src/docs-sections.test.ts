import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { KafkaSinkOptions } from './sink/kafka-sink-options.js';
import { KafkaSourceOptions } from './source/kafka-source-options.js';

/**
 * Keeps README.md and docs/connectors/kafka.md honest: snippets are the `#region`s of
 * docs-examples.int.test.ts and of the schema-registry, dead-letter, hybrid and SASL tests (where they
 * run against a real broker), option tables come from the
 * option schemas. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/kafka/src/docs-sections`.
 */
it('kafka connector docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/connectors/kafka.md', import.meta.url),
    ],
    snippetSources: [
      new URL('./docs-examples.int.test.ts', import.meta.url),
      new URL('./kafka-schema-registry.int.test.ts', import.meta.url),
      new URL('./dead-letter/kafka-dead-letter.int.test.ts', import.meta.url),
      new URL('./hybrid/hybrid-files-then-kafka.int.test.ts', import.meta.url),
      new URL('./kafka-sasl.int.test.ts', import.meta.url),
    ],
    options: {
      sink: KafkaSinkOptions,
      source: KafkaSourceOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
