import { defineOptions } from '@tributary/core';
import { z } from 'zod';

const pattern = z
  .string()
  .min(1)
  .refine(
    (source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a valid regular expression' },
  );

/**
 * Options of the Canal JSON format (Flink's `canal-json.*`): one schema for the deserialization
 * and serialization schemas.
 */
export const CanalJsonOptions = defineOptions(
  'format.canal-json',
  z.strictObject({
    databaseInclude: pattern
      .optional()
      .describe(
        "Regular expression the whole `database` of a message must match (Flink's `canal-json.database.include`); other messages yield no records.",
      ),
    tableInclude: pattern
      .optional()
      .describe(
        "Regular expression the whole `table` of a message must match (Flink's `canal-json.table.include`); other messages yield no records.",
      ),
    ddl: z
      .enum(['skip', 'fail'])
      .default('skip')
      .describe(
        "A DDL message (`isDdl: true`, e.g. ALTER TABLE), which changes no rows: 'skip' yields no records (as Flink), 'fail' throws TRIB_RECORD_INVALID with the table so a schema change stops the job.",
      ),
  }),
);

/** Options as passed in (defaults optional). */
export type CanalJsonConfig = z.input<typeof CanalJsonOptions.schema>;
/** Options after validation, defaults applied. */
export type ResolvedCanalJsonOptions = z.output<typeof CanalJsonOptions.schema>;
