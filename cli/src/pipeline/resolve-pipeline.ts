import { dirname } from 'node:path';
import type {
  AnySource,
  JobOptionsInput,
  PluginFormatKind,
  ResolvedPluginFormat,
  Sink,
  SinkPlugin,
  SourcePlugin,
} from '@tributary/core';
import type { InstalledPlugin } from '../plugins/discover-plugins.js';
import { compileDecode, compileEncode } from './format-processors.js';
import type { KeyPath, PipelineDocument } from './pipeline-document.js';
import { PipelineFileError, type PipelineProblem } from './pipeline-error.js';
import { type FormatRef, type PipelineFile, pipelineFileSchema } from './pipeline-schema.js';
import { type CompiledProcessor, compileProcessor, processorKind } from './processors.js';
import { installedFormatNames, resolveFormat } from './resolve-format.js';
import { objectKeys, objectSchemaAt } from './schema-paths.js';
import { problemsFromIssues } from './zod-problems.js';

/** One side of the pipeline, validated, with its plugin and format. */
export interface ResolvedEndpoint<P> {
  readonly name: string;
  readonly connector: string;
  readonly plugin: P;
  readonly packageName: string;
  /** The options after the connector schema's parse (defaults applied). */
  readonly options: unknown;
  readonly format: ResolvedPluginFormat | undefined;
  /** The source or sink built from the options (a cheap description object). */
  readonly instance: P extends SourcePlugin ? AnySource<unknown> : Sink<unknown>;
}

/** A pipeline file checked against the installed connectors and formats, ready to run. */
export interface ResolvedPipeline {
  readonly file: string;
  readonly jobOptions: JobOptionsInput;
  readonly source: ResolvedEndpoint<SourcePlugin>;
  readonly processors: readonly CompiledProcessor[];
  readonly sink: ResolvedEndpoint<SinkPlugin>;
}

/**
 * Validates a parsed pipeline file: its shape, the connectors and formats it names (installed?),
 * their options (by the packages' own schemas) and the processor expressions. Collects every
 * problem it can find and throws them together as a {@link PipelineFileError}.
 */
export async function resolvePipeline(
  doc: PipelineDocument,
  plugins: readonly InstalledPlugin[],
  path: string,
): Promise<ResolvedPipeline> {
  const shape = pipelineFileSchema.safeParse(doc.value ?? {});
  if (!shape.success) {
    throw new PipelineFileError(problemsFromIssues(doc, [], shape.error.issues, (p) => allowedKeysAt(p)));
  }
  const file = shape.data;
  const problems: PipelineProblem[] = [];
  const source = resolveEndpoint(doc, file, 'source', plugins, problems);
  const sink = resolveEndpoint(doc, file, 'sink', plugins, problems);
  const processors: CompiledProcessor[] = [];
  for (const [index, spec] of file.processors.entries()) {
    if ('decode' in spec || 'encode' in spec) {
      const step =
        'decode' in spec
          ? compileDecode(doc, index, spec.decode, plugins, problems)
          : compileEncode(doc, index, spec.encode, plugins, problems);
      if (step) processors.push(step);
      continue;
    }
    try {
      processors.push(await compileProcessor(spec, dirname(path)));
    } catch (error) {
      const at: KeyPath = ['processors', index, processorKind(spec)];
      problems.push({
        file: doc.file,
        position: doc.positionOf(at),
        key: at.join('.'),
        message: (error as Error).message,
      });
    }
  }
  if (problems.length > 0 || !source || !sink) throw new PipelineFileError(problems);
  // An explicit job.jobName wins, then `name`, then the file name (the parsed job options hold
  // the schema's default name, so look at what the file says).
  const explicit = (doc.value as { job?: { jobName?: unknown } }).job?.jobName;
  const jobName =
    typeof explicit === 'string' ? explicit : (file.name ?? doc.file.replace(/\.(ya?ml|json)$/, ''));
  return {
    file: doc.file,
    jobOptions: { ...(file.job ?? {}), jobName } as JobOptionsInput,
    source: source as ResolvedEndpoint<SourcePlugin>,
    processors,
    sink: sink as ResolvedEndpoint<SinkPlugin>,
  };
}

function allowedKeysAt(path: KeyPath): readonly string[] | undefined {
  const schema = objectSchemaAt(pipelineFileSchema, path);
  return schema ? Object.keys(schema.shape) : undefined;
}

function resolveEndpoint(
  doc: PipelineDocument,
  file: PipelineFile,
  side: 'source' | 'sink',
  plugins: readonly InstalledPlugin[],
  problems: PipelineProblem[],
): ResolvedEndpoint<SourcePlugin> | ResolvedEndpoint<SinkPlugin> | undefined {
  const spec = file[side];
  const candidates = plugins.filter((p) => p.kind === 'connector' && p.plugin[side]);
  const installed = candidates.find((p) => p.plugin.name === spec.connector);
  const component = installed?.plugin[side];
  if (!installed || !component) {
    const names = candidates.map((p) => p.plugin.name);
    problems.push({
      file: doc.file,
      position: doc.positionOf([side, 'connector']),
      key: `${side}.connector`,
      message:
        `unknown ${side} connector '${spec.connector}'; installed: ${names.length > 0 ? names.join(', ') : '(none)'}` +
        ` (install its package next to the CLI, e.g. npm install @tributary/connector-${spec.connector})`,
    });
    return undefined;
  }
  const parsed = component.options.schema.safeParse(spec.options);
  if (!parsed.success) {
    const keys = objectKeys(component.options.schema);
    problems.push(
      ...problemsFromIssues(doc, [side, 'options'], parsed.error.issues, (p) =>
        p.length === 2 && keys.length > 0 ? keys : undefined,
      ),
    );
  }
  // Checked even when the options are wrong, so one run reports both.
  const format = endpointFormat(doc, side, spec.format, component.format, plugins, problems);
  if (format === null || !parsed.success) return undefined;
  let instance: AnySource<unknown> | Sink<unknown>;
  try {
    // Building validates the combination (e.g. compaction with a bulk format) before anything runs.
    instance =
      side === 'source'
        ? (component as SourcePlugin).create(parsed.data, format)
        : (component as SinkPlugin).create(parsed.data, format);
  } catch (error) {
    problems.push({
      file: doc.file,
      position: doc.positionOf([side, 'options']),
      key: `${side}.options`,
      message: (error as Error).message.replaceAll('\n', ' '),
    });
    return undefined;
  }
  return {
    name: spec.name ?? spec.connector,
    connector: spec.connector,
    plugin: component,
    packageName: installed.packageName,
    options: parsed.data,
    format,
    instance,
  } as ResolvedEndpoint<SourcePlugin>;
}

/** `undefined`: the connector needs no format; `null`: a problem was recorded. */
function endpointFormat(
  doc: PipelineDocument,
  side: 'source' | 'sink',
  ref: FormatRef | undefined,
  needs: PluginFormatKind,
  plugins: readonly InstalledPlugin[],
  problems: PipelineProblem[],
): ResolvedPluginFormat | undefined | null {
  if (needs === 'none') {
    if (ref === undefined) return undefined;
    // A format the connector would ignore is a mistake in the file, not a no-op.
    problems.push({
      file: doc.file,
      position: doc.positionOf([side, 'format']),
      key: `${side}.format`,
      message: `this ${side} takes no format (its records are objects); decode or encode with a processor instead`,
    });
    return null;
  }
  if (ref === undefined) {
    // Positioned at the endpoint (the key is absent), named as the missing key.
    problems.push({
      file: doc.file,
      position: doc.positionOf([side]),
      key: `${side}.format`,
      message: `is required for this connector; installed formats: ${installedFormatNames(plugins)}`,
    });
    return null;
  }
  const role =
    needs === 'file'
      ? side === 'source'
        ? 'fileReader'
        : 'fileWriter'
      : side === 'source'
        ? 'deserializer'
        : 'serializer';
  return resolveFormat(doc, ref, { at: [side, 'format'], role, usedBy: `this ${side}` }, plugins, problems);
}
