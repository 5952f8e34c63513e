import { defineOptions, recordErrorsModeOption } from '@tributary/core';
import { z } from 'zod';

/** JSON types a field may be required to have (`any` only requires presence). */
export const JSON_FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'any'] as const;

/** The type a declared field must have. */
export type JsonFieldType = (typeof JSON_FIELD_TYPES)[number];

const fieldSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).describe('Top-level field name.'),
    type: z.enum(JSON_FIELD_TYPES).default('any').describe('Required JSON type of the value.'),
    nullable: z.boolean().default(true).describe('Whether an explicit null is accepted.'),
  }),
]);

/**
 * Options of the JSON Lines format (one schema for reading, writing and the (de)serialization
 * schemas). Names follow Flink's `json.fail-on-missing-field` / `json.ignore-parse-errors`.
 */
export const JsonFormatOptions = defineOptions(
  'format.json',
  z
    .strictObject({
      fields: z
        .array(fieldSchema)
        .optional()
        .describe(
          'Top-level fields each record must have, as names or {name, type, nullable}. Records must then be JSON objects; absent fields are set to null unless failOnMissingField.',
        ),
      failOnMissingField: z
        .boolean()
        .default(false)
        .describe('Treat a record without one of `fields` as invalid instead of setting the field to null.'),
      ignoreParseErrors: z
        .boolean()
        .default(false)
        .describe(
          'Set fields of the wrong type to null instead of rejecting the record, and skip (and count) records that are not valid JSON, as if errors were skip-and-count.',
        ),
      errors: recordErrorsModeOption,
      maxLineBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024)
        .describe(
          'Longest accepted line in bytes; longer lines fail the read so a file without newlines cannot fill memory.',
        ),
    })
    .refine((o) => !(o.ignoreParseErrors && o.errors === 'dead-letter'), {
      message:
        "ignoreParseErrors skips invalid records, errors 'dead-letter' keeps them; choose one (dead-letter with ignoreParseErrors false)",
      path: ['ignoreParseErrors'],
    })
    .refine((o) => !(o.failOnMissingField && o.ignoreParseErrors), {
      message: 'failOnMissingField and ignoreParseErrors cannot both be true (as in Flink); choose one',
      path: ['ignoreParseErrors'],
    })
    .refine((o) => !o.failOnMissingField || (o.fields !== undefined && o.fields.length > 0), {
      message: 'failOnMissingField needs `fields`, the list of fields a record must have',
      path: ['fields'],
    }),
);

/** Options as passed in (defaults optional). */
export type JsonFormatConfig = z.input<typeof JsonFormatOptions.schema>;
/** Options after validation, defaults applied. */
export type ResolvedJsonFormatOptions = z.output<typeof JsonFormatOptions.schema>;
/** One entry of `fields`. */
export type JsonFieldSpec = NonNullable<ResolvedJsonFormatOptions['fields']>[number];
