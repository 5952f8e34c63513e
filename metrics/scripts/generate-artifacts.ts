/** Writes docs/metrics.md's generated sections and metrics/dashboards/*.json. Run: `pnpm --filter @tributary/metrics generate`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applySections, dashboardJson, renderDocsSections } from './render-artifacts.js';

const docs = fileURLToPath(new URL('../../docs/metrics.md', import.meta.url));
const dashboard = fileURLToPath(new URL('../dashboards/tributary-connectors.json', import.meta.url));

writeFileSync(docs, applySections(readFileSync(docs, 'utf8'), renderDocsSections()));
writeFileSync(dashboard, dashboardJson());
process.stderr.write(`wrote ${docs}\nwrote ${dashboard}\n`);
