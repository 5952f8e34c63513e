import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { syncDocSections } from '../testing/index.js';
import { asyncIoOptions } from './async/async-io-options.js';

/**
 * Keeps the generated parts of docs/concepts.md honest: snippets are `#region`s of the test files
 * where they run, option tables come from the option schemas. Every test file of core is a
 * snippet source, so other sections of the page can add their own regions.
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit core/src/runtime/concepts-docs`,
 * then `pnpm exec biome check --write docs`.
 */
const root = new URL('../', import.meta.url);
const testFiles = (readdirSync(root, { recursive: true }) as string[])
  .filter((path) => path.endsWith('.test.ts'))
  .map((path) => new URL(path, root));

it('docs/concepts.md has current snippets and option tables', () => {
  const report = syncDocSections({
    docs: [new URL('../../../docs/concepts.md', import.meta.url)],
    snippetSources: testFiles,
    options: { mapAsync: asyncIoOptions },
  });
  const ours = [
    'map-async-example',
    'from-async-iterable-example',
    'job-events-example',
    'typed-sink-example',
  ];
  expect(report.stale, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual([]);
  expect(report.unusedSnippets.filter((name) => ours.includes(name))).toEqual([]);
  expect(report.unusedOptions).toEqual([]);
});
