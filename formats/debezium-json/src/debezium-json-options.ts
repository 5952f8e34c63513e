import { defineOptions } from '@tributary/core';
import { z } from 'zod';

/**
 * Options of the Debezium JSON format (Flink's `debezium-json.*`): one schema for the
 * deserialization and serialization schemas.
 */
export const DebeziumJsonOptions = defineOptions(
  'format.debezium-json',
  z.strictObject({
    schemaInclude: z
      .boolean()
      .default(false)
      .describe(
        'Messages carry the schema envelope `{schema, payload}` (Kafka Connect `schemas.enable=true`). Reading decodes Decimal columns by the schema; writing emits the record `schema` or one inferred from the row values (string, boolean, int64, double).',
      ),
    tombstones: z
      .enum(['skip', 'fail'])
      .default('skip')
      .describe(
        "An empty or `null` message (the tombstone Debezium sends after a delete for log compaction): 'skip' yields no record, 'fail' throws TRIB_RECORD_INVALID.",
      ),
    truncate: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe(
        "An `op: 't'` (TRUNCATE) event, which has no row: 'fail' throws TRIB_RECORD_INVALID naming the table, 'skip' yields no record.",
      ),
  }),
);

/** Options as passed in (defaults optional). */
export type DebeziumJsonConfig = z.input<typeof DebeziumJsonOptions.schema>;
/** Options after validation, defaults applied. */
export type ResolvedDebeziumJsonOptions = z.output<typeof DebeziumJsonOptions.schema>;
