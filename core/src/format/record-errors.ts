import { z } from 'zod';
import type { RecordOrigin } from '../api/format.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * What a format does with a record it cannot parse: `fail` stops the reader with a
 * `TRIB_RECORD_INVALID` error; `skip-and-count` drops the record and reports it in
 * `FileReadBatch.skippedErrors`, so the connector increments `numRecordsInErrors`; `dead-letter`
 * (file reading only) emits a `FileDeadLetter` in its place, counted in `FileReadBatch.deadLetters`
 * and `numRecordsInErrors` too. The modes apply to file reading; a message deserializer always
 * throws, and the message connector decides (Kafka: `onDeserializationError`, `withDeadLetters`).
 */
export type RecordErrorsMode = 'fail' | 'skip-and-count' | 'dead-letter';

/** The shared `errors` option of the format packages (one definition, so docs read the same everywhere). */
export const recordErrorsModeOption = z
  .enum(['fail', 'skip-and-count', 'dead-letter'])
  .default('fail')
  .describe(
    "What to do with a record that fails to parse: 'fail' stops with TRIB_RECORD_INVALID, 'skip-and-count' drops it and counts it in numRecordsInErrors, 'dead-letter' (file reading only) emits a FileDeadLetter in its place, also counted.",
  );

/** Where an invalid record sits; every key is optional, only known ones are reported. */
export interface RecordErrorLocation {
  /** Message origin (topic / partition / offset) for message formats. */
  readonly origin?: RecordOrigin | undefined;
  readonly file?: string | undefined;
  /** 1-based line number, when the reader knows it. */
  readonly line?: number | undefined;
  /** Byte offset of the record start in the file (always known to file readers). */
  readonly offset?: number | undefined;
  /** The field (column name or dotted path) that failed. */
  readonly field?: string | undefined;
  /** 1-based column number (CSV). */
  readonly column?: number | undefined;
  /** A short, truncated excerpt of the offending text; see {@link snippetOf}. */
  readonly snippet?: string | undefined;
}

/** Default length of snippets in error context: enough to recognise a record, too short to leak one whole. */
export const DEFAULT_SNIPPET_CHARS = 40;

/**
 * A short excerpt of a record for an error message. Records may hold secrets, so errors never carry
 * a whole record: the text is cut to `maxChars` (default {@link DEFAULT_SNIPPET_CHARS}) and marked.
 */
export function snippetOf(text: string, maxChars: number = DEFAULT_SNIPPET_CHARS): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… (${text.length} chars)`;
}

/**
 * Builds the `TRIB_RECORD_INVALID` error every format throws for a record it cannot parse or
 * write. The message names the place (`file x line 3 field 'price'`); the context carries the same
 * keys for structured logs. Pass a `cause` only when its message holds no record content.
 */
export function recordInvalidError(
  reason: string,
  location: RecordErrorLocation = {},
  cause?: unknown,
): TributaryError {
  const context: Record<string, unknown> = {};
  const where: string[] = [];
  const origin = location.origin;
  if (origin) {
    for (const [key, value] of Object.entries(origin)) {
      if (value !== undefined) context[key] = value;
    }
    if (origin.topic !== undefined) where.push(`topic '${origin.topic}'`);
    if (origin.partition !== undefined) where.push(`partition ${origin.partition}`);
    if (origin.offset !== undefined) where.push(`offset ${origin.offset}`);
  }
  const file = location.file ?? origin?.file;
  const line = location.line ?? origin?.line;
  if (file !== undefined) {
    context.file = file;
    where.push(`file '${file}'`);
  }
  if (line !== undefined) {
    context.line = line;
    where.push(`line ${line}`);
  }
  if (location.offset !== undefined) {
    context.byteOffset = location.offset;
    // The byte offset locates the record when the line number is unknown (a region or restore mid-file).
    if (line === undefined) where.push(`byte offset ${location.offset}`);
  }
  if (location.column !== undefined) {
    context.column = location.column;
    where.push(`column ${location.column}`);
  }
  if (location.field !== undefined) {
    context.field = location.field;
    where.push(`field '${location.field}'`);
  }
  if (location.snippet !== undefined) context.snippet = location.snippet;
  const message = where.length > 0 ? `${reason} (at ${where.join(', ')})` : reason;
  return new TributaryError(CoreErrorCodes.RECORD_INVALID, message, {
    context,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The message of a `JSON.parse` failure without the input text V8 quotes into it
 * (`Unexpected token 'x', "{"password": ..." is not valid JSON`), so it is safe to log.
 */
export function safeJsonErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.indexOf(', "');
  const reason = cut === -1 ? message : message.slice(0, cut);
  return reason.replace(/"[^"]*" is not valid JSON/, 'input is not valid JSON');
}
