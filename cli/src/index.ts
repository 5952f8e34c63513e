/**
 * @tributary/cli — the `tributary` command (declarative pipelines, validation, progress,
 * savepoints, dashboard) and the pieces TypeScript pipelines can reuse: the dashboard for a job
 * started in code ({@link startDashboard}), plugin discovery and pipeline-file loading.
 */

export { type ControlServer, startControlServer } from './control/control-server.js';
export { type DashboardOptions, startDashboard } from './dashboard/start-dashboard.js';
export { main } from './main.js';
export {
  type CheckpointView,
  type ErrorView,
  JobMonitor,
  type JobSnapshot,
  type PipelineShape,
  type SubtaskView,
} from './monitor/job-monitor.js';
export { PipelineDocument } from './pipeline/pipeline-document.js';
export { formatProblem, PipelineFileError, type PipelineProblem } from './pipeline/pipeline-error.js';
export { pipelineJsonSchema } from './pipeline/pipeline-json-schema.js';
export { pipelineFileSchema } from './pipeline/pipeline-schema.js';
export { type ResolvedPipeline, resolvePipeline } from './pipeline/resolve-pipeline.js';
export { discoverPlugins, type InstalledPlugin } from './plugins/discover-plugins.js';
