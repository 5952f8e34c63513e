import {
  type RecordErrorLocation,
  type RecordErrorsMode,
  recordInvalidError,
  safeJsonErrorReason,
  snippetOf,
} from '@tributary/core';
import type { ResolvedJsonFormatOptions } from './json-format-options.js';
import { JsonRecordShape, type ShapeProblem } from './json-record-shape.js';

/** Returned by {@link JsonRecordParser.parse} for a record that is invalid; see `problem`. */
export const INVALID: unique symbol = Symbol('tributary.json.invalid');

/**
 * Parses one JSON text into a record and applies the `fields` rules. Shared by the file reader and
 * the deserialization schema so both treat records the same way.
 */
export class JsonRecordParser {
  /** What the file reader does with an invalid record (`ignoreParseErrors` means skip-and-count). */
  readonly errors: RecordErrorsMode;
  /** Why the last `parse` returned {@link INVALID}. */
  problem: ShapeProblem = { reason: '' };
  private readonly shape: JsonRecordShape | undefined;

  constructor(options: ResolvedJsonFormatOptions) {
    this.errors = options.ignoreParseErrors ? 'skip-and-count' : options.errors;
    this.shape =
      options.fields === undefined || options.fields.length === 0
        ? undefined
        : new JsonRecordShape(options.fields, options.failOnMissingField, options.ignoreParseErrors);
  }

  /** The record, or {@link INVALID} with the reason in `problem`. */
  parse(text: string): unknown {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.problem = { reason: `invalid JSON: ${safeJsonErrorReason(error)}` };
      return INVALID;
    }
    if (this.shape !== undefined) {
      const problem = this.shape.check(value);
      if (problem !== undefined) {
        this.problem = problem;
        return INVALID;
      }
    }
    return value;
  }

  /** The `TRIB_RECORD_INVALID` error for the last problem, at `location`, with a truncated snippet of `text`. */
  error(text: string, location: RecordErrorLocation) {
    return recordInvalidError(`Invalid JSON record: ${this.problem.reason}`, {
      ...location,
      ...(this.problem.field === undefined ? {} : { field: this.problem.field }),
      snippet: snippetOf(text),
    });
  }
}
