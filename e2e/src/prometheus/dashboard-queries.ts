/** A dashboard panel target with the Grafana variables replaced: ready for Prometheus's API. */
export interface ResolvedPanelQuery {
  readonly row: string;
  readonly panel: string;
  readonly expr: string;
}

/** Values for the Grafana variables the Tributary dashboard uses. */
export interface DashboardVariables {
  /** `$job`: a regex over the job label (Grafana's "All" is `.*`). */
  readonly job: string;
  /** `$operator`: a regex over the operator label; default `.*` (All). */
  readonly operator?: string;
  /** `$__rate_interval`; Grafana uses at least 4 × the scrape interval. */
  readonly rateInterval: string;
  /** `$__range`: the dashboard's time range. */
  readonly range: string;
}

/**
 * Replaces the variables in every target of the given panels (`grafanaDashboardPanels()` of
 * `@tributary/metrics`), as Grafana does before it sends a query to Prometheus.
 */
export function resolveDashboardQueries(
  panels: readonly {
    readonly row: string;
    readonly title: string;
    readonly targets: readonly { readonly expr: string }[];
  }[],
  vars: DashboardVariables,
): ResolvedPanelQuery[] {
  return panels.flatMap((panel) =>
    panel.targets.map((target) => ({
      row: panel.row,
      panel: panel.title,
      expr: resolveVariables(target.expr, vars),
    })),
  );
}

/** One expression with the dashboard variables replaced. */
export function resolveVariables(expr: string, vars: DashboardVariables): string {
  return expr
    .replaceAll('$__rate_interval', vars.rateInterval)
    .replaceAll('$__range', vars.range)
    .replaceAll('$operator', vars.operator ?? '.*')
    .replaceAll('$job', vars.job);
}

/**
 * Grafana's `label_values(<selector>, <label>)` variable query as plain PromQL
 * (`group by (<label>) (<selector>)`), whose result lists the values the variable offers.
 */
export function labelValuesQuery(definition: string): { readonly expr: string; readonly label: string } {
  const match = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(definition.trim());
  if (match === null) throw new Error(`Not a label_values() query: ${definition}`);
  const [, selector, label] = match as unknown as [string, string, string];
  return { expr: `group by (${label}) (${selector})`, label };
}
