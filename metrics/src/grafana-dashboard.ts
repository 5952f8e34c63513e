import { prometheusCounterName, prometheusGaugeName } from './metric-names.js';

/** Options of {@link grafanaDashboard}; match them to the Prometheus reporter's options. */
export interface GrafanaDashboardOptions {
  /** The reporter's `prefix`. Default `tributary_`. */
  readonly prefix?: string;
  /** The reporter's `jobLabel`. Default `job_name`. */
  readonly jobLabel?: string;
  readonly title?: string;
  readonly uid?: string;
}

type Unit = 'short' | 'bytes' | 'Bps' | 'ms' | 'ops' | 'none';

/**
 * What a panel needs from a job to show data. Panels without a requirement show data for every
 * job; the others stay empty for jobs whose connectors do not provide the metric.
 */
export type DashboardPanelRequirement =
  | 'event-time'
  | 'fetch-event-time'
  | 'watermarks'
  | 'pending-records'
  | 'pending-bytes'
  | 'send-time'
  | 'routes';

/** Who fills the metric behind a {@link DashboardPanelRequirement} (shown in the panel description). */
export const DASHBOARD_REQUIREMENTS: Readonly<Record<DashboardPanelRequirement, string>> = {
  'event-time': 'records with event time (Kafka record timestamps, a timestamp assigner)',
  'fetch-event-time': 'sources that measure fetch lag (Kafka)',
  watermarks: 'jobs with a watermark strategy',
  'pending-records': 'sources whose system exposes lag (Kafka)',
  'pending-bytes': 'sources that know their unread bytes (files)',
  'send-time': 'sinks with send requests (Kafka, async sinks); not the file sink',
  routes: 'jobs writing through a RoutingSink (e.g. a dead-letter route)',
};

/** Labels of breakdown series, which the dashboard's sums leave out (the subtask-level series holds the total). */
const BREAKDOWN_LABELS = ['topic', 'partition', 'route', 'shard', 'table', 'file'] as const;

/** One panel of the dashboard as data: what {@link grafanaDashboardPanels} returns. */
export interface DashboardPanelSpec {
  readonly row: string;
  readonly title: string;
  readonly description: string;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  /** Set when the panel is connector-specific (empty for jobs without it). */
  readonly requires?: DashboardPanelRequirement;
}

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: Unit;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  readonly type?: 'timeseries' | 'stat';
  readonly requires?: DashboardPanelRequirement;
}

interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/**
 * The Grafana dashboard for Tributary connectors (source, enumerator, sink, committer,
 * checkpoint and process metrics), built for the Prometheus reporter's naming. The JSON in
 * `metrics/dashboards/tributary-connectors.json` is this function's output with the defaults;
 * call it yourself when you changed `prefix` or `jobLabel`.
 *
 * The dashboard selects its Prometheus data source through a `datasource` variable, so it
 * imports without an inputs mapping; `job` and `operator` variables filter every panel.
 */
export function grafanaDashboard(options: GrafanaDashboardOptions = {}): Record<string, unknown> {
  const prefix = options.prefix ?? 'tributary_';
  const job = options.jobLabel ?? 'job_name';
  return {
    title: options.title ?? 'Tributary connectors',
    uid: options.uid ?? 'tributary-connectors',
    description: 'FLIP-33 connector metrics of Tributary jobs (Prometheus reporter of @tributary/metrics).',
    tags: ['tributary', 'connectors', 'flip-33'],
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    templating: { list: variables(prefix, job) },
    annotations: { list: [] },
    panels: layout(dashboardRows(options)),
  };
}

/**
 * The dashboard's panels as data (row, title, PromQL targets with the `$job`/`$operator`
 * variables, and which panels are connector-specific): to test the queries against a real
 * Prometheus, or to build alerts from the same expressions.
 */
export function grafanaDashboardPanels(options: GrafanaDashboardOptions = {}): DashboardPanelSpec[] {
  return dashboardRows(options).flatMap((row) =>
    row.panels.map((panel) => ({
      row: row.title,
      title: panel.title,
      description: describePanel(panel),
      targets: panel.targets,
      ...(panel.requires === undefined ? {} : { requires: panel.requires }),
    })),
  );
}

/** The PromQL of the dashboard's variables (`job`, `operator`), e.g. to list what they offer. */
export function grafanaDashboardVariableQueries(options: GrafanaDashboardOptions = {}): {
  readonly job: string;
  readonly operator: string;
} {
  const [, jobVar, operatorVar] = variables(
    options.prefix ?? 'tributary_',
    options.jobLabel ?? 'job_name',
  ) as {
    definition: string;
  }[];
  return { job: jobVar?.definition ?? '', operator: operatorVar?.definition ?? '' };
}

function describePanel(panel: PanelSpec): string {
  return panel.requires === undefined
    ? panel.description
    : `${panel.description} Only for ${DASHBOARD_REQUIREMENTS[panel.requires]}; empty otherwise.`;
}

function dashboardRows(options: GrafanaDashboardOptions): RowSpec[] {
  const prefix = options.prefix ?? 'tributary_';
  const job = options.jobLabel ?? 'job_name';
  // Breakdown series (a Kafka partition's pendingRecords, a RoutingSink route's numRecordsSend)
  // repeat what the subtask-level series already holds: leave them out of every sum.
  const noBreakdown = BREAKDOWN_LABELS.map((l) => `, ${l}=""`).join('');
  const sel = `{${job}=~"$job", operator=~"$operator"${noBreakdown}}`;
  const jobSel = `{${job}=~"$job"}`;
  const c = (name: string) => prometheusCounterName(prefix, name);
  const g = (name: string) => prometheusGaugeName(prefix, name);
  const rate = (name: string, by = `${job}, operator`) =>
    `sum by (${by}) (rate(${c(name)}${sel}[$__rate_interval]))`;
  const gauge = (agg: 'sum' | 'max', name: string, by = `${job}, operator`, selector = sel) =>
    `${agg} by (${by}) (${g(name)}${selector})`;
  const perOperator = `{{operator}} ({{${job}}})`;
  const perSubtask = `{{operator}}/{{subtask}} ({{${job}}})`;

  const rows: RowSpec[] = [
    {
      title: 'Overview',
      panels: [
        stat(
          'Records in / s',
          'All sources, records emitted per second.',
          'ops',
          `sum(rate(${c('numRecordsIn')}${sel}[$__rate_interval]))`,
        ),
        stat(
          'Records sent / s',
          'All sinks, records sent per second.',
          'ops',
          `sum(rate(${c('numRecordsSend')}${sel}[$__rate_interval]))`,
        ),
        stat(
          'Max emit lag',
          'Largest event-time lag at emit over all source subtasks.',
          'ms',
          `max(${g('currentEmitEventTimeLag')}${sel})`,
          'event-time',
        ),
        stat(
          'Pending records',
          'Records waiting in the external systems (consumer lag).',
          'short',
          `sum(${g('pendingRecords')}${sel})`,
          'pending-records',
        ),
        stat(
          'Failed checkpoints',
          'Failed checkpoints in the selected range.',
          'short',
          `sum(increase(${c('numberOfFailedCheckpoints')}${jobSel}[$__range]))`,
        ),
        stat(
          'Restarts',
          'Job restarts in the selected range.',
          'short',
          `sum(increase(${c('numRestarts')}${jobSel}[$__range]))`,
        ),
      ],
    },
    {
      title: 'Sources',
      panels: [
        ts('Records in / s', 'numRecordsIn: records the source emitted, per second.', 'ops', [
          [rate('numRecordsIn'), perOperator],
        ]),
        ts('Bytes in / s', 'numBytesIn: bytes read from the external system, per second.', 'Bps', [
          [rate('numBytesIn'), perOperator],
        ]),
        ts('Read errors / s', 'numRecordsInErrors: records that could not be read or deserialized.', 'ops', [
          [rate('numRecordsInErrors'), perOperator],
        ]),
        ts(
          'Emit event-time lag',
          'currentEmitEventTimeLag: now minus the event time of the last emitted record.',
          'ms',
          [[gauge('max', 'currentEmitEventTimeLag'), perOperator]],
          'event-time',
        ),
        ts(
          'Fetch event-time lag',
          'currentFetchEventTimeLag: fetch time minus event time of the last fetched record.',
          'ms',
          [[gauge('max', 'currentFetchEventTimeLag'), perOperator]],
          'fetch-event-time',
        ),
        ts(
          'Watermark lag',
          'watermarkLag: now minus the current watermark.',
          'ms',
          [[gauge('max', 'watermarkLag'), perOperator]],
          'watermarks',
        ),
        ts('Idle time', 'sourceIdleTime: time since each subtask last emitted a record.', 'ms', [
          [gauge('max', 'sourceIdleTime', `${job}, operator, subtask`), perSubtask],
        ]),
        ts(
          'Pending records',
          'pendingRecords: records available in the external system, not yet fetched.',
          'short',
          [[gauge('sum', 'pendingRecords'), perOperator]],
          'pending-records',
        ),
        ts(
          'Pending bytes',
          'pendingBytes: bytes available in the external system, not yet fetched.',
          'bytes',
          [[gauge('sum', 'pendingBytes'), perOperator]],
          'pending-bytes',
        ),
        ts(
          'Unassigned splits',
          'unassignedSplits: splits the enumerator discovered but did not assign yet.',
          'short',
          [[gauge('sum', 'unassignedSplits'), perOperator]],
        ),
      ],
    },
    {
      title: 'Sinks',
      panels: [
        ts(
          'Records sent / s',
          'numRecordsSend (= numRecordsOut): records sent to the external system.',
          'ops',
          [[rate('numRecordsSend'), perOperator]],
        ),
        ts('Bytes sent / s', 'numBytesSend (= numBytesOut): bytes sent to the external system.', 'Bps', [
          [rate('numBytesSend'), perOperator],
        ]),
        ts(
          'Send errors / s',
          'numRecordsSendErrors (= numRecordsOutErrors): records the sink failed to send.',
          'ops',
          [[rate('numRecordsSendErrors'), perOperator]],
        ),
        ts(
          'Records sent / s by route',
          'numRecordsSend per RoutingSink route, e.g. the dead-letter route next to the valid records.',
          'ops',
          [
            [
              `sum by (${job}, operator, route) (rate(${c('numRecordsSend')}{${job}=~"$job", operator=~"$operator", route!=""}[$__rate_interval]))`,
              `{{route}} {{operator}} ({{${job}}})`,
            ],
          ],
          'routes',
        ),
        ts(
          'Send time',
          'currentSendTime: duration of the last send request.',
          'ms',
          [[gauge('max', 'currentSendTime'), perOperator]],
          'send-time',
        ),
      ],
    },
    {
      title: 'Committer',
      panels: [
        ts(
          'Committables / s',
          'Committables received, committed, failed, retried and found already committed.',
          'ops',
          [
            [rate('totalCommittables'), `total ${perOperator}`],
            [rate('successfulCommittables'), `successful ${perOperator}`],
            [rate('failedCommittables'), `failed ${perOperator}`],
            [rate('retriedCommittables'), `retried ${perOperator}`],
            [rate('alreadyCommittedCommittables'), `already committed ${perOperator}`],
          ],
        ),
        ts(
          'Pending committables',
          'pendingCommittables: waiting for their checkpoint to complete or for a retry.',
          'short',
          [[gauge('sum', 'pendingCommittables'), perOperator]],
        ),
      ],
    },
    {
      title: 'Checkpoints and restarts',
      panels: [
        ts('Checkpoints', 'Completed and failed checkpoints per interval.', 'short', [
          [
            `sum by (${job}) (increase(${c('numberOfCompletedCheckpoints')}${jobSel}[$__rate_interval]))`,
            `completed {{${job}}}`,
          ],
          [
            `sum by (${job}) (increase(${c('numberOfFailedCheckpoints')}${jobSel}[$__rate_interval]))`,
            `failed {{${job}}}`,
          ],
        ]),
        ts('Checkpoint duration', 'lastCheckpointDuration: time the last completed checkpoint took.', 'ms', [
          [gauge('max', 'lastCheckpointDuration', job, jobSel), `{{${job}}}`],
        ]),
        ts('Checkpoint size', 'lastCheckpointSize: bytes the last completed checkpoint wrote.', 'bytes', [
          [gauge('max', 'lastCheckpointSize', job, jobSel), `{{${job}}}`],
        ]),
        ts(
          'Last completed checkpoint',
          'lastCompletedCheckpointId: id of the last completed checkpoint.',
          'none',
          [[gauge('max', 'lastCompletedCheckpointId', job, jobSel), `{{${job}}}`]],
        ),
        ts('Restarts', 'numRestarts: job restarts after failures, per interval.', 'short', [
          [`sum by (${job}) (increase(${c('numRestarts')}${jobSel}[$__rate_interval]))`, `{{${job}}}`],
        ]),
        ts(
          'Dropped series',
          'droppedSeries: label sets not exported because a metric reached maxSeriesPerMetric.',
          'short',
          // `or vector(0)`: nothing dropped is a 0, not "No data".
          [[`max by (metric) (${g('droppedSeries')}) or vector(0)`, '{{metric}}']],
        ),
      ],
    },
    {
      title: 'Process',
      panels: [
        ts(
          'Event-loop lag',
          'Event-loop delay beyond the sampling interval (mean, p99, max over the last window).',
          'ms',
          [
            [gauge('max', 'eventLoopLagMs', `${job}, instance`, jobSel), `mean {{instance}}`],
            [gauge('max', 'eventLoopLagP99Ms', `${job}, instance`, jobSel), `p99 {{instance}}`],
            [gauge('max', 'eventLoopLagMaxMs', `${job}, instance`, jobSel), `max {{instance}}`],
          ],
        ),
        ts('Memory', 'V8 heap used and reserved, and resident set size.', 'bytes', [
          [gauge('max', 'heapUsedBytes', `${job}, instance`, jobSel), `heap used {{instance}}`],
          [gauge('max', 'heapTotalBytes', `${job}, instance`, jobSel), `heap total {{instance}}`],
          [gauge('max', 'rssBytes', `${job}, instance`, jobSel), `rss {{instance}}`],
        ]),
      ],
    },
  ];

  return rows;
}

function ts(
  title: string,
  description: string,
  unit: Unit,
  targets: readonly (readonly [string, string])[],
  requires?: DashboardPanelRequirement,
): PanelSpec {
  return {
    title,
    description,
    unit,
    targets: targets.map(([expr, legend]) => ({ expr, legend })),
    ...(requires === undefined ? {} : { requires }),
  };
}

function stat(
  title: string,
  description: string,
  unit: Unit,
  expr: string,
  requires?: DashboardPanelRequirement,
): PanelSpec {
  return {
    title,
    description,
    unit,
    type: 'stat',
    targets: [{ expr, legend: title }],
    ...(requires === undefined ? {} : { requires }),
  };
}

function variables(prefix: string, job: string): unknown[] {
  const query = (name: string, label: string, expr: string) => ({
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: expr,
    query: { query: expr, refId: `${name}-variable` },
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  });
  const anyTributary = `{__name__=~"${prefix}(numRecordsIn|numRecordsSend|numberOfCompletedCheckpoints)_total"}`;
  return [
    {
      name: 'datasource',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      current: {},
      hide: 0,
    },
    query('job', 'Job', `label_values(${anyTributary}, ${job})`),
    query(
      'operator',
      'Operator',
      // totalCommittables: the committer is an operator of its own (`<sink>: Committer`).
      `label_values({__name__=~"${prefix}(numRecordsIn|numRecordsSend|totalCommittables)_total", ${job}=~"$job"}, operator)`,
    ),
  ];
}

/** Lays rows out on Grafana's 24-column grid: stats 4 wide, time series 8 wide, 3 per line. */
function layout(rows: readonly RowSpec[]): unknown[] {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const spec of row.panels) {
      const isStat = spec.type === 'stat';
      const w = isStat ? 4 : 8;
      const h = isStat ? 4 : 8;
      if (x + w > 24) {
        x = 0;
        y += h;
      }
      panels.push(panel(id++, { ...spec, description: describePanel(spec) }, { h, w, x, y }));
      x += w;
    }
    y += row.panels[0]?.type === 'stat' ? 4 : 8;
  }
  return panels;
}

function panel(
  id: number,
  spec: PanelSpec,
  gridPos: { h: number; w: number; x: number; y: number },
): unknown {
  const isStat = spec.type === 'stat';
  return {
    id,
    type: isStat ? 'stat' : 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(isStat
          ? {}
          : { custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' } }),
      },
      overrides: [],
    },
    options: isStat
      ? {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'value',
          graphMode: 'area',
        }
      : {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
          tooltip: { mode: 'multi', sort: 'desc' },
        },
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend,
      range: true,
    })),
  };
}
