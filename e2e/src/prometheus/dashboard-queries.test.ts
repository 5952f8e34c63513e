import { describe, expect, it } from 'vitest';
import { labelValuesQuery, resolveDashboardQueries } from './dashboard-queries.js';

describe('dashboard queries', () => {
  it('replaces the Grafana variables in every target of every panel', () => {
    const queries = resolveDashboardQueries(
      [
        {
          row: 'Sources',
          title: 'Records in / s',
          targets: [
            { expr: 'sum(rate(x_total{job_name=~"$job", operator=~"$operator"}[$__rate_interval]))' },
          ],
        },
        {
          row: 'Overview',
          title: 'Restarts',
          targets: [{ expr: 'sum(increase(r_total{job_name=~"$job"}[$__range]))' }],
        },
      ],
      { job: 'orders', rateInterval: '4s', range: '10m' },
    );
    expect(queries).toEqual([
      {
        row: 'Sources',
        panel: 'Records in / s',
        expr: 'sum(rate(x_total{job_name=~"orders", operator=~".*"}[4s]))',
      },
      { row: 'Overview', panel: 'Restarts', expr: 'sum(increase(r_total{job_name=~"orders"}[10m]))' },
    ]);
  });

  it("turns Grafana's label_values() into PromQL and rejects anything else", () => {
    expect(labelValuesQuery('label_values({__name__=~"a_total", job_name=~"j"}, operator)')).toEqual({
      expr: 'group by (operator) ({__name__=~"a_total", job_name=~"j"})',
      label: 'operator',
    });
    expect(() => labelValuesQuery('up')).toThrow(/Not a label_values/);
  });
});
