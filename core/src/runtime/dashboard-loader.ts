import { CoreErrorCodes } from '../errors/error-codes.js';
import type { JobGraph } from './job-graph.js';
import type { ResolvedJobOptions } from './job-options.js';
import type { JobClient } from './job-runner.js';
import { defaultImporter, importOptionalPackage, type ModuleImporter } from './optional-package.js';

/** The web dashboard of a running job (job option `dashboard`), served by `@tributary/cli`. */
export interface JobDashboard {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** `startDashboard` of `@tributary/cli`; typed here so core has no build-time dependency on it. */
type StartDashboard = (
  client: JobClient,
  job: { readonly graph: JobGraph },
  options: {
    readonly port: number;
    readonly savepointDir: string;
    readonly jobName: string;
    readonly parallelism: number;
  },
) => Promise<JobDashboard>;

/**
 * Starts the dashboard of the job option `dashboard` with `startDashboard` from `@tributary/cli`,
 * loaded only when the option is set (`TRIB_DASHBOARD_UNAVAILABLE` when it is not installed).
 * The dashboard stops serving by itself when the job ends.
 */
export async function startJobDashboard(
  client: JobClient,
  graph: JobGraph,
  options: ResolvedJobOptions & { readonly dashboard: NonNullable<ResolvedJobOptions['dashboard']> },
  importModule: ModuleImporter = defaultImporter,
): Promise<JobDashboard> {
  const startDashboard = (await importOptionalPackage(
    {
      specifier: '@tributary/cli',
      option: 'dashboard',
      exportName: 'startDashboard',
      code: CoreErrorCodes.DASHBOARD_UNAVAILABLE,
    },
    importModule,
  )) as StartDashboard;
  return startDashboard(
    client,
    { graph },
    {
      port: options.dashboard.port,
      savepointDir: options.dashboard.savepointDirectory,
      jobName: options.jobName,
      parallelism: options.parallelism,
    },
  );
}
