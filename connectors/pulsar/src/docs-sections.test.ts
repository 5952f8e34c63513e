import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { PulsarSinkOptions } from './sink/pulsar-sink-options.js';
import { PulsarSourceOptions } from './source/pulsar-source-options.js';

/**
 * Keeps README.md and docs/connectors/pulsar.md honest: snippets are the `#region`s of the docs
 * example tests (where they run against the local broker), option tables come from the option
 * schemas. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/pulsar/src/docs-sections`.
 */
it('pulsar connector docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../README.md', import.meta.url),
      new URL('../../../docs/connectors/pulsar.md', import.meta.url),
    ],
    snippetSources: [
      new URL('./source/pulsar-source-docs-examples.int.test.ts', import.meta.url),
      new URL('./sink/pulsar-sink.int.test.ts', import.meta.url),
    ],
    options: { source: PulsarSourceOptions, sink: PulsarSinkOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
