import { syncDocSections } from '@tributary/core/testing';
import { expect, it } from 'vitest';
import { PulsarSinkOptions } from './pulsar-sink-options.js';

/**
 * Keeps the Sink section of docs/connectors/pulsar.md honest: the snippet is a `#region` of
 * pulsar-sink.int.test.ts (where it runs against a real broker), the option table comes from the
 * option schema. Regenerate with
 * `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit connectors/pulsar/src/sink/docs-sections`.
 */
it('pulsar sink docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [new URL('../../../../docs/connectors/pulsar.md', import.meta.url)],
    snippetSources: [new URL('./pulsar-sink.int.test.ts', import.meta.url)],
    options: { sink: PulsarSinkOptions },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
