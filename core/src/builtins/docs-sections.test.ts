import { expect, it } from 'vitest';
import { syncDocSections } from '../testing/index.js';
import { collectionSourceOptions } from './collection/collection-source.js';
import { dataGeneratorSourceOptions } from './datagen/data-generator-options.js';
import { printSinkOptions } from './sinks/print-sink.js';
import { twoPhaseCommitTestSinkOptions } from './transactional/two-phase-commit-test-sink.js';

/**
 * Keeps docs/builtins.md and docs/hybrid-source.md honest: snippets are the `#region`s of
 * docs-examples.test.ts (where they run) and option tables come from the option schemas.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit core/src/builtins/docs-sections`,
 * then `pnpm exec biome check --write docs` (Biome aligns the tables; the check ignores alignment).
 */
it('builtins docs have current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [
      new URL('../../../docs/builtins.md', import.meta.url),
      new URL('../../../docs/hybrid-source.md', import.meta.url),
      // The demo job's --metrics-port mapping, shown in the metrics guide.
      new URL('../../../docs/metrics.md', import.meta.url),
    ],
    snippetSources: [
      new URL('./docs-examples.test.ts', import.meta.url),
      // The routing example is the demo job's own sink (examples/demo, run by its tests).
      new URL('../../../examples/demo/src/demo-job.ts', import.meta.url),
    ],
    options: {
      datagen: dataGeneratorSourceOptions,
      collection: collectionSourceOptions,
      print: printSinkOptions,
      'two-phase-commit-test-sink': twoPhaseCommitTestSinkOptions,
    },
  });
  expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
    stale: [],
    unusedSnippets: [],
    unusedOptions: [],
  });
});
