import { defineOptions, recordErrorsModeOption } from '@tributary/core';
import { z } from 'zod';

/** An Avro schema: its JSON text, or the parsed JSON (object, primitive name, or union array). */
export const avroSchemaOption = z.union([
  z.string().min(1),
  z.record(z.string(), z.unknown()),
  z.array(z.unknown()),
]);

/** Options of the Avro format: binary (de)serialization, Confluent wire format, container files. */
export const AvroFormatOptions = defineOptions(
  'format.avro',
  z.strictObject({
    schema: avroSchemaOption
      .optional()
      .describe(
        'Avro schema (JSON text or object). Required to serialize and write; when reading containers or registry messages it is the reader schema the writer schema is resolved to (default: the writer schema).',
      ),
    writerSchema: avroSchemaOption
      .optional()
      .describe(
        'Plain binary deserialization only: the schema the bytes were written with, when it differs from schema.',
      ),
    longs: z
      .enum(['number', 'bigint'])
      .default('number')
      .describe(
        "How every Avro long appears in JS, also under a logical type (timestamp-micros ...): 'number' (values beyond ±2^53 fail) or 'bigint'.",
      ),
    decimals: z
      .enum(['auto', 'string', 'number'])
      .default('auto')
      .describe(
        "How decimal logical types appear in JS: 'string' (exact), 'number' (nearest double), or 'auto' (string when the precision is above 15, else number). Writing takes any of string, number and bigint.",
      ),
    codec: z
      .enum(['null', 'deflate', 'snappy'])
      .default('deflate')
      .describe(
        'Container files: block compression codec to write (snappy is the Spark and Hadoop default; deflate is smaller).',
      ),
    deflateLevel: z
      .number()
      .int()
      .min(1)
      .max(9)
      .default(6)
      .describe('Container files: deflate level, 1 (fast) to 9 (small).'),
    syncIntervalBytes: z
      .number()
      .int()
      .min(1)
      .default(64_000)
      .describe('Container files: uncompressed bytes per block before it is written (Avro default 64000).'),
    writerKind: z
      .enum(['row', 'bulk'])
      .default('row')
      .describe(
        "Container files: 'row' flushes whole blocks and can continue a part file after restore; 'bulk' rolls the part file on every checkpoint.",
      ),
    errors: recordErrorsModeOption,
  }),
);

/** Options as passed in (defaults optional). */
export type AvroFormatConfig = z.input<typeof AvroFormatOptions.schema>;
/** Options after validation. */
export type ResolvedAvroFormatOptions = z.output<typeof AvroFormatOptions.schema>;
/** An Avro schema as accepted by the options. */
export type AvroSchema = z.output<typeof avroSchemaOption>;
