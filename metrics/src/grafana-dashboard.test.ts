import {
  CommitterMetricGroup,
  JobMetricGroup,
  MetricRegistry,
  ProcessMetricGroup,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
  SplitEnumeratorMetricGroup,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import {
  grafanaDashboard,
  grafanaDashboardPanels,
  grafanaDashboardVariableQueries,
} from './grafana-dashboard.js';
import { startPrometheusReporter } from './prometheus-reporter.js';
import { parsePrometheusText } from './testing-fixtures/prometheus-text.js';

interface Panel {
  id: number;
  type: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

function panelsOf(dashboard: Record<string, unknown>): Panel[] {
  return dashboard.panels as Panel[];
}

/** Metric names a PromQL expression selects (plain names and `__name__=~"p(a|b)_total"` lists). */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/__name__=~"([a-zA-Z_]+)\(([^)]+)\)([a-zA-Z_]*)"/g)) {
    for (const alt of (m[2] as string).split('|')) names.add(`${m[1]}${alt}${m[3]}`);
  }
  const plain = expr.replace(/__name__=~"[^"]*"/g, '');
  for (const m of plain.matchAll(/\b(tributary_[A-Za-z0-9_]+)\b/g)) names.add(m[1] as string);
  return [...names];
}

describe('grafanaDashboard', () => {
  it('queries only metrics the Prometheus reporter really exports', async () => {
    const registry = new MetricRegistry();
    const labels = { job: 'orders', operator: 'op', subtask: '0' };
    const source = new SourceReaderMetricGroup(registry, labels);
    source.setPendingRecordsGauge(() => 1);
    source.setPendingBytesGauge(() => 1);
    new SplitEnumeratorMetricGroup(registry, { job: 'orders', operator: 'op' }).setUnassignedSplitsGauge(
      () => 0,
    );
    new SinkWriterMetricGroup(registry, labels);
    new CommitterMetricGroup(registry, { job: 'orders', operator: 'op' });
    new JobMetricGroup(registry, { job: 'orders' });
    const processMetrics = new ProcessMetricGroup(registry, { job: 'orders' });
    try {
      await using reporter = await startPrometheusReporter(registry, { port: 0, host: '127.0.0.1' });
      const exported = parsePrometheusText(await reporter.scrape()).types;
      const dashboard = grafanaDashboard();
      const exprs = [
        ...panelsOf(dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
        ...(dashboard.templating as { list: { definition?: string }[] }).list.map((v) => v.definition ?? ''),
      ];
      const used = new Set(exprs.flatMap(metricNames));
      expect(used.size).toBeGreaterThan(30);
      for (const name of used) expect(exported.has(name), `${name} is not exported`).toBe(true);
      for (const expr of exprs.filter((e) => e.includes('tributary_num'))) expect(expr).not.toMatch(/\bjob=/);
    } finally {
      processMetrics.close();
    }
  });

  it('is a well-formed dashboard: unique ids, data source variable, panels on the grid without overlap', () => {
    const panels = panelsOf(grafanaDashboard());
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let dx = 0; dx < w; dx++) {
        for (let dy = 0; dy < h; dy++) {
          const cell = `${x + dx},${y + dy}`;
          expect(cells.has(cell), `panel ${panel.id} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax.
      if (panel.type !== 'row') expect(panel.datasource?.uid).toBe('${datasource}');
    }
    expect(panels.filter((p) => p.type === 'row').length).toBe(6);
  });

  it('offers the committer operator, keeps breakdowns out of sums, shows 0 dropped series, marks connector-specific panels', () => {
    const { operator } = grafanaDashboardVariableQueries();
    expect(operator).toContain('totalCommittables');
    const panels = grafanaDashboardPanels();
    const exprs = (title: string) =>
      panels.filter((p) => p.title === title).flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs('Dropped series')[0]).toMatch(/or vector\(0\)$/);
    for (const expr of exprs('Pending records')) expect(expr).toContain('partition=""');
    for (const expr of exprs('Records sent / s')) expect(expr).toContain('route=""');
    expect(exprs('Records sent / s by route')[0]).toContain('route!=""');
    const specific = Object.fromEntries(
      panels.filter((p) => p.requires).map((p) => [`${p.row}/${p.title}`, p.requires]),
    );
    expect(specific).toEqual({
      'Overview/Max emit lag': 'event-time',
      'Overview/Pending records': 'pending-records',
      'Sources/Emit event-time lag': 'event-time',
      'Sources/Fetch event-time lag': 'fetch-event-time',
      'Sources/Watermark lag': 'watermarks',
      'Sources/Pending records': 'pending-records',
      'Sources/Pending bytes': 'pending-bytes',
      'Sinks/Records sent / s by route': 'routes',
      'Sinks/Send time': 'send-time',
    });
    // The dashboard JSON says the same in the panel descriptions.
    const json = JSON.stringify(grafanaDashboard());
    expect(json).toContain('Only for sources that know their unread bytes (files); empty otherwise.');
  });

  it('follows a custom prefix and job label', () => {
    const json = JSON.stringify(grafanaDashboard({ prefix: 'etl_', jobLabel: 'pipeline', uid: 'x' }));
    expect(json).toContain('rate(etl_numRecordsIn_total{pipeline=~\\"$job\\"');
    expect(json).not.toContain('tributary_');
    expect(json).not.toContain('job_name');
  });
});
