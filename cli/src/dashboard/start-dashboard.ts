import type { Job, JobClient } from '@tributary/core';
import { type ControlServer, startControlServer } from '../control/control-server.js';
import { JobMonitor, type PipelineShape } from '../monitor/job-monitor.js';

export interface DashboardOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Where the savepoint button puts savepoints (default `.tributary/savepoints`). */
  readonly savepointDir?: string;
  readonly jobName?: string;
  readonly parallelism?: number;
}

/**
 * Serves the dashboard for a job started in TypeScript:
 *
 * ```ts
 * const job = Pipeline.from(source).map(f).sinkTo(sink);
 * const client = job.start({ parallelism: 2 });
 * const dashboard = await startDashboard(client, job, { port: 8081 });
 * console.log(dashboard.url);
 * ```
 * It stops serving when the job ends, or on `close()`. The job option `dashboard`
 * (`job.execute({ dashboard: { port: 8081 } })`) calls this for you.
 */
export async function startDashboard(
  client: JobClient,
  job: Pick<Job, 'graph'>,
  options: DashboardOptions = {},
): Promise<ControlServer> {
  const graph = job.graph;
  const shape: PipelineShape = {
    source: { name: graph.sourceName, connector: graph.sourceName },
    operators: graph.operators.map((o) => (o as { name?: string }).name ?? 'operator'),
    sink: { name: graph.sinkName, connector: graph.sinkName },
    parallelism: options.parallelism ?? 1,
  };
  const monitor = new JobMonitor(client, options.jobName ?? 'tributary-job', shape);
  const server = await startControlServer({
    client,
    monitor,
    ui: true,
    ...(options.port === undefined ? {} : { port: options.port }),
    defaultSavepointDir: options.savepointDir ?? '.tributary/savepoints',
  });
  const stop = () => {
    void server.close().finally(() => monitor.close());
  };
  client.result.then(stop, stop);
  return server;
}
