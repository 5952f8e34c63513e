import type { TributaryError } from '../errors/tributary-error.js';

/**
 * A record a file format could not parse, kept for a dead-letter destination when the format's
 * `errors` option is `'dead-letter'`: the original text (or bytes, for binary formats), where it
 * came from, and why it failed. It takes the bad record's place in the stream, with its own resume
 * position, so it is checkpointed, replayed and delivered like any record — exactly once to an
 * exactly-once sink. Route it with a `RoutingSink` and {@link isFileDeadLetter}.
 */
export interface FileDeadLetter {
  readonly kind: 'file-dead-letter';
  /** The file (path as the source opened it). */
  readonly file: string;
  /** Byte offset where the bad record starts (for compressed files: in the decompressed stream). */
  readonly offset: number;
  /** 1-based line of the record start, when the reader knows it (it started at byte 0). */
  readonly line?: number;
  /**
   * The record as it was in the file: its text for text formats (all lines of a multi-line CSV
   * record, without the final line break), its bytes for binary formats.
   */
  readonly raw: string | Uint8Array;
  /**
   * Records the raw part stands for, when more than one: binary formats that cannot find the next
   * record after a bad one (an Avro block) give up the rest of the block as one dead letter.
   */
  readonly records?: number;
  /** The format's error: its code (`TRIB_RECORD_INVALID`) and message (which never holds the whole record). */
  readonly error: { readonly code: string; readonly message: string };
}

/** True for the dead letters file formats emit with `errors: 'dead-letter'`. */
export function isFileDeadLetter(value: unknown): value is FileDeadLetter {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file-dead-letter'
  );
}

/** Builds a {@link FileDeadLetter} from the error a format would have thrown in `fail` mode. */
export function fileDeadLetter(
  error: TributaryError,
  where: { readonly file: string; readonly offset: number; readonly line?: number | undefined },
  raw: string | Uint8Array,
  records?: number,
): FileDeadLetter {
  return {
    kind: 'file-dead-letter',
    file: where.file,
    offset: where.offset,
    ...(where.line === undefined ? {} : { line: where.line }),
    raw,
    ...(records === undefined || records === 1 ? {} : { records }),
    error: { code: error.code, message: error.message },
  };
}
