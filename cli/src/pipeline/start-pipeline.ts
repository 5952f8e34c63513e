import {
  type DataStream,
  type JobClient,
  type JobEnvironment,
  JobOptions,
  type JobOptionsInput,
  Pipeline,
} from '@tributary/core';
import type { PipelineShape } from '../monitor/job-monitor.js';
import type { ResolvedPipeline } from './resolve-pipeline.js';

/** A started pipeline: the job client and what the dashboard draws. */
export interface StartedPipeline {
  readonly client: JobClient;
  readonly jobName: string;
  readonly shape: PipelineShape;
}

/** Builds the job graph (source → processors → sink) of a resolved pipeline and starts it. */
export function startPipeline(
  pipeline: ResolvedPipeline,
  overrides: Partial<JobOptionsInput> = {},
  env: JobEnvironment = {},
): StartedPipeline {
  const options = JobOptions.parse({ ...pipeline.jobOptions, ...overrides });
  let stream: DataStream<unknown> = Pipeline.from(pipeline.source.instance, { name: pipeline.source.name });
  for (const p of pipeline.processors) {
    if (p.kind === 'map') stream = stream.map(p.fn, p.name);
    else if (p.kind === 'filter') stream = stream.filter((r) => Boolean(p.fn(r)), p.name);
    else stream = stream.flatMap((r) => toIterable(p.fn(r), p.name), p.name);
  }
  const client = stream.sinkTo(pipeline.sink.instance, { name: pipeline.sink.name }).start(options, env);
  return {
    client,
    jobName: options.jobName,
    shape: {
      source: { name: pipeline.source.name, connector: pipeline.source.connector },
      operators: pipeline.processors.map((p) => p.name),
      sink: { name: pipeline.sink.name, connector: pipeline.sink.connector },
      parallelism: options.parallelism,
    },
  };
}

function toIterable(value: unknown, name: string): Iterable<unknown> {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object' && Symbol.iterator in value) return value as Iterable<unknown>;
  throw new TypeError(`${name}: flatMap must return an array (or null for none)`);
}
