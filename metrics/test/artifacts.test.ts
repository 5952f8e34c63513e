import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applySections,
  dashboardJson,
  normalizeTables,
  renderDocsSections,
} from '../scripts/render-artifacts.js';

const read = (relative: string) => readFileSync(new URL(relative, import.meta.url), 'utf8');
const HINT = 'stale: run `pnpm --filter @tributary/metrics generate` and commit the result';

describe('generated artifacts', () => {
  it(`docs/metrics.md tables and snippets are up to date (${HINT})`, () => {
    const docs = read('../../docs/metrics.md');
    // Compared with aligned tables undone: Biome formats the committed file.
    expect(normalizeTables(applySections(docs, renderDocsSections()))).toBe(normalizeTables(docs));
  });

  it(`dashboards/tributary-connectors.json is up to date (${HINT})`, () => {
    expect(read('../dashboards/tributary-connectors.json')).toBe(dashboardJson());
  });

  it('documents every standard metric and every reporter option', () => {
    const docs = read('../../docs/metrics.md');
    for (const name of ['numRecordsIn', 'unassignedSplits', 'numRecordsOutErrors', 'pendingCommittables']) {
      expect(normalizeTables(docs)).toContain(`| \`${name}\` |`);
    }
    for (const key of ['maxSeriesPerMetric', 'jobLabel', 'headers', 'includeUndefined', 'requirePending']) {
      expect(normalizeTables(docs)).toContain(`| \`${key}\` |`);
    }
  });
});
