import { JobOptions } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { testPlugins } from '../../test/test-plugins.js';
import { PipelineDocument } from './pipeline-document.js';
import { PipelineFileError } from './pipeline-error.js';
import { pipelineJsonSchema } from './pipeline-json-schema.js';
import { resolvePipeline } from './resolve-pipeline.js';

async function problems(text: string, env: NodeJS.ProcessEnv = {}, path = '/tmp/p.yaml'): Promise<string[]> {
  try {
    await resolvePipeline(PipelineDocument.parse(text, path, env), testPlugins, path);
  } catch (error) {
    if (error instanceof PipelineFileError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const files = (sinkOptions: string) => `source:
  connector: files
  format: csv
  options: { paths: /tmp/in }
sink:
  connector: files
  format: json
  options: ${sinkOptions}
`;

describe('resolvePipeline', () => {
  it('accepts a valid pipeline and applies the connector schema defaults', async () => {
    const doc = PipelineDocument.parse(files('{ path: /tmp/out }'), '/tmp/orders.yaml', {});
    const resolved = await resolvePipeline(doc, testPlugins, '/tmp/orders.yaml');
    expect(resolved.jobOptions.jobName).toBe('orders');
    expect((resolved.sink.options as { deliveryGuarantee: string }).deliveryGuarantee).toBe('exactly-once');
    expect(resolved.source.format?.fileReader?.name).toBe('csv');
    expect(resolved.sink.format?.fileWriter?.extension).toBe('.jsonl');
  });

  it('names line, column and key of every problem, with the allowed keys or values', async () => {
    expect(
      await problems(`${files('{ path: /tmp/out, compression: zip, deliveryGuarantee: maybe }')}processors:
  - map: "record.a +"
  - filter: record.ok
`),
    ).toEqual([
      'p.yaml:8:67: sink.options.deliveryGuarantee: Invalid option: expected one of "exactly-once"|"at-least-once"|"none"',
      'p.yaml:8:30: sink.options.compression: unknown option; allowed: deliveryGuarantee, maxPartSizeBytes, rolloverIntervalMs, inactivityIntervalMs, partPrefix, partSuffix, cleanupOrphanFiles, successMarker, compaction, path, buckets',
      "p.yaml:10:10: processors.0.map: not a valid JavaScript expression: Unexpected token ')'",
    ]);
  });

  it('reports a missing required key at its parent and unknown formats with the installed ones', async () => {
    expect(
      await problems(files('{ partPrefix: p }').replace('format: json', 'format: { type: xml }')),
    ).toEqual([
      'p.yaml:8:12: sink.options.path: is required (string)',
      "p.yaml:7:19: sink.format.type: unknown format 'xml'; installed: csv, json, parquet (e.g. npm install @tributary/format-xml)",
    ]);
  });

  it("checks format options with the format package's schema", async () => {
    const text = files('{ path: /tmp/out }').replace(
      'format: json',
      'format: { type: parquet, rowGroupRows: 0 }',
    );
    expect(await problems(text)).toEqual([
      'p.yaml:7:42: sink.format.rowGroupRows: Too small: expected number to be >0',
    ]);
  });

  it('checks job options with core’s schema', async () => {
    expect(
      await problems(
        `job: { parallelism: 0, checkpointing: { intervalMs: 5 } }\n${files('{ path: /tmp/out }')}`,
      ),
    ).toEqual([
      'p.yaml:1:21: job.parallelism: Too small: expected number to be >=1',
      'p.yaml:1:53: job.checkpointing.intervalMs: Too small: expected number to be >=10',
    ]);
  });
});

describe('${ENV} substitution', () => {
  it('substitutes, types whole references, applies defaults and keeps escaped ones', async () => {
    const doc = PipelineDocument.parse(
      'a: ${PORT}\nb: "x-${NAME}-y"\nc: ${UNSET:-fallback}\nd: $${NAME}\ne: ${FLAG}\nf: "${PORT}"\n',
      '/tmp/p.yaml',
      { PORT: '9092', NAME: 'n', FLAG: 'true' },
    );
    // Quoted stays text (a password of digits): f.
    expect(doc.value).toEqual({ a: 9092, b: 'x-n-y', c: 'fallback', d: '${NAME}', e: true, f: '9092' });
  });

  it('a missing variable is an error at its position that never shows other values', () => {
    let error: unknown;
    try {
      PipelineDocument.parse('user: ${USER_NAME}\npassword: "${DB_PASSWORD}"\n', '/tmp/p.yaml', {
        USER_NAME: 'alice-secret',
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe(
      'p.yaml:2:11: password: environment variable DB_PASSWORD is not set (use ${DB_PASSWORD:-default} for a default)',
    );
    expect((error as Error).message).not.toContain('alice-secret');
  });
});

describe('pipelineJsonSchema', () => {
  it('types source/sink options per connector and takes every job option from core', () => {
    const schema = pipelineJsonSchema(testPlugins) as {
      properties: {
        job: { properties: Record<string, unknown> };
        sink: { anyOf: { properties: { connector: { const: string }; options: { properties: object } } }[] };
      };
    };
    expect(Object.keys(schema.properties.job.properties).sort()).toEqual(
      Object.keys((JobOptions.schema as unknown as { shape: object }).shape).sort(),
    );
    const sink = schema.properties.sink.anyOf.find((s) => s.properties.connector.const === 'files');
    expect(Object.keys(sink?.properties.options.properties ?? {})).toContain('deliveryGuarantee');
  });
});
