import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tributaryPlugin as files } from '@tributary/connector-files';
import { defineOptions, JobOptions } from '@tributary/core';
import { syncDocSections } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import { testPlugins } from '../test/test-plugins.js';
import { PipelineDocument } from './pipeline/pipeline-document.js';
import { endpointSchema, pipelineFileSchema } from './pipeline/pipeline-schema.js';
import { resolvePipeline } from './pipeline/resolve-pipeline.js';

const docsCli = new URL('../../docs/cli.md', import.meta.url);
const examples = new URL('../../examples/pipelines/', import.meta.url);

/**
 * Keeps docs/cli.md honest: key tables come from the schemas, the TypeScript snippet from a test,
 * the pipeline example from examples/pipelines (and every example validates).
 * Regenerate with `TRIB_UPDATE_DOCS=1 pnpm exec vitest run --project unit cli/src/docs-sections`.
 */
describe('docs/cli.md', () => {
  it('has current key tables and snippets', () => {
    const report = syncDocSections({
      docs: [docsCli],
      snippetSources: [
        new URL('./dashboard/start-dashboard.test.ts', import.meta.url),
        new URL('./dashboard/dashboard-job-option.test.ts', import.meta.url),
      ],
      options: {
        pipeline: defineOptions('pipeline', pipelineFileSchema),
        endpoint: defineOptions('source', endpointSchema),
        job: JobOptions,
        'files-source': files.source?.options,
        'files-sink': files.sink?.options,
      },
    });
    expect(report, 'stale docs: rerun with TRIB_UPDATE_DOCS=1').toEqual({
      stale: [],
      unusedSnippets: [],
      unusedOptions: [],
    });
  });

  it('shows examples/pipelines/csv-to-parquet.yaml as it is', () => {
    const example = readFileSync(new URL('csv-to-parquet.yaml', examples), 'utf8');
    expect(readFileSync(docsCli, 'utf8')).toContain(`\`\`\`yaml\n${example}\`\`\``);
  });

  it.each(readdirSync(examples).filter((f) => f.endsWith('.yaml')))('example %s validates', async (name) => {
    const path = fileURLToPath(new URL(name, examples));
    const doc = PipelineDocument.parse(readFileSync(path, 'utf8'), path, {});
    const resolved = await resolvePipeline(doc, testPlugins, path);
    expect(resolved.source.connector).toBeTruthy();
  });
});
