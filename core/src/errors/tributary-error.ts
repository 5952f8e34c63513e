/**
 * The one error base of Tributary. Every error the project throws on purpose is a
 * `TributaryError` with a stable `code` (e.g. `TRIB_KAFKA_TXN_FENCED`), a `retriable` flag, the
 * ES `cause`, and a context object (topic, partition, file, table ...) that never holds secrets.
 *
 * Classify errors with {@link isTributaryError} / {@link hasErrorCode} rather than `instanceof`:
 * two copies of a package can be loaded in one process.
 */
export interface TributaryErrorOptions {
  /** Whether repeating the failed operation may succeed. Defaults to `false`. */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** Where it happened: record, field, config key, topic, partition, file, table ... Never secrets. */
  readonly context?: Readonly<Record<string, unknown>>;
}

const BRAND = Symbol.for('tributary.error');

export class TributaryError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TributaryError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A JSON-safe view, used by structured logs and checkpoint failure reports. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      context: this.context,
    };
  }
}

/** True for any TributaryError, whichever copy of `@tributary/core` created it. */
export function isTributaryError(error: unknown): error is TributaryError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `error` (or an error in its `cause` chain) carries `code`. */
export function hasErrorCode(error: unknown, code: string): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 16; depth++) {
    if (isTributaryError(current) && current.code === code) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when the error says retrying may help (TributaryError.retriable, or a known transient I/O code). */
export function isRetriable(error: unknown): boolean {
  if (isTributaryError(error)) return error.retriable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_NODE_CODES.has(code);
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EBUSY',
]);

/** Wraps anything thrown into an Error, so callers can rely on `.message` and `.stack`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
