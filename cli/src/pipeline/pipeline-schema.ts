import { JobOptions } from '@tributary/core';
import { z } from 'zod';

/** `format: csv` or `format: { type: csv, header: true, ... }` (the rest: the format's options). */
export const formatRefSchema = z
  .union([
    z.string().min(1),
    z.looseObject({ type: z.string().min(1).describe('Format name (an installed format package).') }),
  ])
  .describe("A format name, or { type: <name>, ...that format's options }.");

const endpointShape = {
  connector: z
    .string()
    .min(1)
    .describe('Connector name (an installed connector package, see `tributary connectors`).'),
  name: z.string().min(1).optional().describe('Operator name in metrics, logs and the dashboard.'),
  format: formatRefSchema.optional(),
  options: z
    .record(z.string(), z.unknown())
    .default({})
    .describe("The connector's options, validated by the connector package's own schema."),
};

const functionRefSchema = z.union([
  z.string().min(1).describe('A JavaScript expression of `record`, e.g. `record.total > 0`.'),
  z.strictObject({
    module: z.string().min(1).describe('Path of an ES module (relative: from the pipeline file).'),
    export: z.string().min(1).default('default').describe('The exported function to call with each record.'),
  }),
]);

const formatFieldSchema = z
  .string()
  .min(1)
  .optional()
  .describe('A top-level field of the record to convert in place (default: the whole record).');

const decodeSchema = z.union([
  z.strictObject({ format: formatRefSchema, field: formatFieldSchema }),
  formatRefSchema,
]);

const encodeSchema = z.union([
  z.strictObject({
    format: formatRefSchema,
    field: formatFieldSchema,
    as: z
      .enum(['bytes', 'string'])
      .default('bytes')
      .describe(
        "'bytes': a Uint8Array (a message sink with format raw writes it unchanged); 'string': the bytes as UTF-8 text (text formats into a document field).",
      ),
  }),
  formatRefSchema,
]);

/** `source` and `sink`: a connector, its options and its format. */
export const endpointSchema = z.strictObject(endpointShape);

/** One step between source and sink. */
export const processorSchema = z.union([
  z.strictObject({ map: functionRefSchema.describe('Replaces each record with the result.') }),
  z.strictObject({ filter: functionRefSchema.describe('Keeps records for which it is truthy.') }),
  z.strictObject({
    flatMap: functionRefSchema.describe('Replaces each record with the elements of the returned array.'),
  }),
  z.strictObject({
    decode: decodeSchema.describe(
      'Parses bytes or text (the record, or one field) with a format, e.g. JSON text in a table column.',
    ),
  }),
  z.strictObject({
    encode: encodeSchema.describe('Writes the record (or one field) as the bytes or text of a format.'),
  }),
]);

/**
 * The shape of a pipeline file. Connector and format options are `unknown` here: they are
 * validated in a second step by the schemas of the installed packages. `job` is core's own
 * {@link JobOptions} schema, so new job options need no change here.
 */
export const pipelineFileSchema = z.strictObject({
  $schema: z.string().optional().describe('JSON Schema for editors (see `tributary schema`).'),
  name: z.string().min(1).optional().describe('Job name (logs, metric labels); default: the file name.'),
  job: (JobOptions.schema as unknown as z.ZodType<Record<string, unknown>>)
    .optional()
    .describe('Job options: parallelism, checkpointing, restartStrategy, metrics, ... (core job options).'),
  source: endpointSchema.describe('Where records come from.'),
  processors: z
    .array(processorSchema)
    .default([])
    .describe('Steps applied in order between source and sink.'),
  sink: endpointSchema.describe('Where records go.'),
});

export type PipelineFile = z.output<typeof pipelineFileSchema>;
export type ProcessorSpec = z.output<typeof processorSchema>;
export type FormatRef = z.output<typeof formatRefSchema>;
export type DecodeSpec = z.output<typeof decodeSchema>;
export type EncodeSpec = z.output<typeof encodeSchema>;
