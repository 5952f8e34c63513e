import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PipelineDocument } from '../pipeline/pipeline-document.js';
import { type ResolvedPipeline, resolvePipeline } from '../pipeline/resolve-pipeline.js';
import { discoverPlugins, type InstalledPlugin } from '../plugins/discover-plugins.js';
import { UsageError } from './cli-io.js';

/** Reads, parses and validates a pipeline file against the installed plugins. */
export async function loadPipeline(
  file: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
  plugins?: readonly InstalledPlugin[],
): Promise<ResolvedPipeline> {
  if (!file) throw new UsageError('missing the pipeline file (tributary run <pipeline.yaml>)');
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const doc = PipelineDocument.parse(text, path, env);
  return resolvePipeline(doc, plugins ?? (await discoverPlugins()), path);
}
