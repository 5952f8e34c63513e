import { CoreErrorCodes, hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { testPlugins } from '../../test/test-plugins.js';
import { PipelineDocument } from './pipeline-document.js';
import { PipelineFileError } from './pipeline-error.js';
import { type ResolvedPipeline, resolvePipeline } from './resolve-pipeline.js';

const path = '/tmp/convert.yaml';

function pipeline(processors: string): Promise<ResolvedPipeline> {
  const text = `source:
  connector: files
  format: csv
  options: { paths: /tmp/in }
processors:
${processors}
sink:
  connector: files
  format: json
  options: { path: /tmp/out }
`;
  return resolvePipeline(PipelineDocument.parse(text, path, {}), testPlugins, path);
}

async function problems(processors: string): Promise<string[]> {
  const error = await pipeline(processors).catch((e: unknown) => e);
  if (!(error instanceof PipelineFileError)) throw new Error('expected problems in the file');
  return error.message.split('\n');
}

/** The compiled steps applied in order, as the job's chain applies them. */
async function run(processors: string, record: unknown): Promise<unknown> {
  const resolved = await pipeline(processors);
  return resolved.processors.reduce((value, step) => step.fn(value), record);
}

describe('decode and encode processors', () => {
  it('decode parses a text field with a format, in place', async () => {
    const out = await run('  - decode: { format: json, field: payload }', {
      id: 7,
      payload: '{"total":12.5}',
    });
    expect(out).toEqual({ id: 7, payload: { total: 12.5 } });
  });

  it('decode parses a whole record of bytes, with the format options', async () => {
    const line = new TextEncoder().encode('42,anna\n');
    const out = await run('  - decode: { type: csv, columns: [{ name: id, type: integer }, name] }', line);
    expect(out).toEqual({ id: 42, name: 'anna' });
  });

  it('encode writes a record as bytes, or as text into a field; decode reads it back', async () => {
    const bytes = await run('  - encode: json', { a: 1 });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes as Uint8Array)).toBe('{"a":1}');
    const text = await run('  - encode: { format: json, field: doc, as: string }', { doc: { b: [1, 2] } });
    expect(text).toEqual({ doc: '{"b":[1,2]}' });
    expect(await run('  - encode: json\n  - decode: json', { c: 'x' })).toEqual({ c: 'x' });
  });

  it('a value that is neither bytes nor text fails with TRIB_RECORD_INVALID naming the step and field', async () => {
    const error = await run('  - decode: { format: json, field: payload }', { payload: 5 }).catch(
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, CoreErrorCodes.RECORD_INVALID)).toBe(true);
    expect((error as Error).message).toBe(
      "decode json payload: expected bytes or a string, got number (at field 'payload')",
    );
  });

  it('names an unknown format, a format without a (de)serializer and wrong format options at their keys', async () => {
    expect(
      await problems(
        `  - decode: xml
  - encode: { format: parquet }
  - decode: { type: csv, header: maybe }`,
      ),
    ).toEqual([
      "convert.yaml:6:13: processors.0.decode: unknown format 'xml'; installed: csv, json, parquet (e.g. npm install @tributary/format-xml)",
      "convert.yaml:7:23: processors.1.encode.format: format 'parquet' cannot be used by encode (it has no serializer)",
      'convert.yaml:8:34: processors.2.decode.header: Invalid input: expected boolean, received string',
    ]);
  });

  it('a connector without formats refuses a format instead of ignoring it', async () => {
    const text = `source:
  connector: jdbc
  format: json
  options: { dialect: sqlite, filename: /tmp/x.db, table: orders }
sink:
  connector: files
  format: json
  options: { path: /tmp/out }
`;
    const error = await resolvePipeline(PipelineDocument.parse(text, path, {}), testPlugins, path).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      'convert.yaml:3:11: source.format: this source takes no format (its records are objects); decode or encode with a processor instead',
    );
  });
});
