import { describe, expect, it } from 'vitest';
import { CollectionSource } from '../builtins/collection/collection-source.js';
import { DiscardingSink } from '../builtins/sinks/discarding-sink.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError } from '../errors/tributary-error.js';
import { startJobDashboard } from './dashboard-loader.js';
import { JobOptions } from './job-options.js';
import type { JobClient } from './job-runner.js';
import { Pipeline } from './pipeline.js';

const job = Pipeline.from(new CollectionSource([1])).sinkTo(new DiscardingSink<number>());
const options = JobOptions.parse({ jobName: 'orders', parallelism: 3, dashboard: {} });
const client = {} as JobClient;

describe('startJobDashboard', () => {
  it('fails with TRIB_DASHBOARD_UNAVAILABLE and an install hint when @tributary/cli is not installed', async () => {
    const error = await startJobDashboard(
      client,
      job.graph,
      { ...options, dashboard: { port: 0, savepointDirectory: 'sp' } },
      async (s) => {
        throw Object.assign(new Error(`Cannot find package '${s}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe(CoreErrorCodes.DASHBOARD_UNAVAILABLE);
    expect((error as TributaryError).retriable).toBe(false);
    expect((error as Error).message).toContain('npm install @tributary/cli');
    expect((error as TributaryError).context).toMatchObject({ key: 'dashboard' });
  });

  it('hands the client, the graph and the dashboard settings to startDashboard', async () => {
    const calls: unknown[][] = [];
    const served = { url: 'http://127.0.0.1:1/', close: async () => {} };
    const dashboard = await startJobDashboard(
      client,
      job.graph,
      { ...options, dashboard: { port: 8081, savepointDirectory: 'savepoints' } },
      async (specifier) => {
        expect(specifier).toBe('@tributary/cli');
        return {
          startDashboard: async (...args: unknown[]) => {
            calls.push(args);
            return served;
          },
        };
      },
    );
    expect(dashboard).toBe(served);
    expect(calls).toEqual([
      [
        client,
        { graph: job.graph },
        { port: 8081, savepointDir: 'savepoints', jobName: 'orders', parallelism: 3 },
      ],
    ]);
  });

  it('defaults to a free port and .tributary/savepoints', () => {
    expect(options.dashboard).toEqual({ port: 0, savepointDirectory: '.tributary/savepoints' });
  });
});
