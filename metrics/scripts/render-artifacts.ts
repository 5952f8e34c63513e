/**
 * Renders the generated parts of `docs/metrics.md` and the Grafana dashboard JSON from the code
 * (metric catalog, option schemas, dashboard builder), so docs and dashboard cannot drift from
 * what the reporters export. `generate-artifacts.ts` writes them; `test/artifacts.test.ts`
 * fails when the committed files are stale.
 */
import { readFileSync } from 'node:fs';
import { describeOptions, type OptionsSchema, optionsMarkdownTable } from '@tributary/core';
import type { z } from 'zod';
import { grafanaDashboard } from '../src/grafana-dashboard.js';
import {
  ConnectorMetricsCheckOptions,
  ConsoleReporterOptions,
  METRIC_CATALOG,
  type MetricScope,
  OtlpReporterOptions,
  PrometheusReporterOptions,
} from '../src/index.js';
import {
  otelName,
  prometheusCounterName,
  prometheusGaugeName,
  prometheusRateName,
} from '../src/metric-names.js';

const SCOPES: readonly MetricScope[] = ['source', 'enumerator', 'sink', 'committer', 'job', 'process'];

function metricTable(scope: MetricScope): string {
  const lines = [
    '| Metric | Type | Unit | Prometheus | OpenTelemetry | Description | Maintained by |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const spec of METRIC_CATALOG.filter((s) => s.scope === scope)) {
    const prom =
      spec.kind === 'counter'
        ? `\`${prometheusCounterName('tributary_', spec.name)}\`, \`${prometheusRateName('tributary_', spec.name)}\``
        : `\`${prometheusGaugeName('tributary_', spec.name)}\``;
    lines.push(
      `| \`${spec.name}\` | ${spec.kind} | ${spec.unit} | ${prom} | \`${otelName('tributary.', spec.name)}\` (\`${spec.otelUnit}\`) | ${spec.description} | ${spec.maintainedBy} |`,
    );
  }
  return lines.join('\n');
}

function optionTable(options: OptionsSchema<z.ZodType>): string {
  return optionsMarkdownTable(describeOptions(options));
}

const EXAMPLES = new URL('../test/docs-examples.test.ts', import.meta.url);

/** The code between `// #region <name>` and `// #endregion <name>` of the docs examples, dedented. */
function snippet(source: string, name: string): string {
  const start = source.indexOf(`// #region ${name}\n`);
  const end = source.indexOf(`// #endregion ${name}`);
  if (start < 0 || end < start) throw new Error(`docs-examples.test.ts lacks region ${name}`);
  const lines = source.slice(start, end).split('\n').slice(1, -1);
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.search(/\S/)));
  return ['```ts', ...lines.map((l) => l.slice(indent)), '```'].join('\n');
}

/** Generated sections of docs/metrics.md by marker name. */
export function renderDocsSections(): Record<string, string> {
  const sections: Record<string, string> = {};
  for (const scope of SCOPES) sections[`metrics-${scope}`] = metricTable(scope);
  sections['options-prometheus'] = optionTable(PrometheusReporterOptions);
  sections['options-otlp'] = optionTable(OtlpReporterOptions);
  sections['options-console'] = optionTable(ConsoleReporterOptions);
  sections['options-check'] = optionTable(ConnectorMetricsCheckOptions);
  const examples = readFileSync(EXAMPLES, 'utf8');
  for (const name of ['job-option', 'reporters', 'create-reporters', 'standalone', 'conformance']) {
    sections[`snippet-${name}`] = snippet(examples, name);
  }
  return sections;
}

const marker = (name: string, edge: 'start' | 'end') => `<!-- generated:${name}:${edge} -->`;

/** Replaces each marked section of `markdown`; throws when a marker is missing. */
export function applySections(markdown: string, sections: Record<string, string>): string {
  let out = markdown;
  for (const [name, body] of Object.entries(sections)) {
    const start = out.indexOf(marker(name, 'start'));
    const end = out.indexOf(marker(name, 'end'));
    if (start < 0 || end < start) throw new Error(`docs/metrics.md lacks the ${name} markers`);
    out = `${out.slice(0, start + marker(name, 'start').length)}\n${body}\n${out.slice(end)}`;
  }
  return out;
}

/**
 * Markdown with table rows reduced to `| a | b |` and separator rows to `| --- |`, so a file
 * whose tables the formatter aligned compares equal to freshly generated, unaligned tables.
 */
export function normalizeTables(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      if (!line.startsWith('|')) return line;
      const cells = line
        .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .map((cell) => (/^:?-+:?$/.test(cell) ? '---' : cell));
      return `| ${cells.join(' | ')} |`;
    })
    .join('\n');
}

/** The committed dashboard file's content. */
export function dashboardJson(): string {
  return `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
}
