/**
 * The structured logger interface: a pino-compatible subset, so a pino instance can be passed
 * as is. Messages take an optional object of fields first (`log.info({ topic }, 'assigned')`).
 */
export interface Logger {
  trace(obj: object, msg?: string): void;
  trace(msg: string): void;
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** Keys whose values are replaced by `[redacted]` anywhere in a log object. */
export const DEFAULT_REDACTED_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'secretAccessKey',
  'sessionToken',
  'token',
  'apiKey',
  'authorization',
  'sasl',
  'credentials',
  'privateKey',
  'key_password',
];

export interface JsonLoggerOptions {
  readonly level?: LogLevel;
  readonly bindings?: Record<string, unknown>;
  readonly redactKeys?: readonly string[];
  /** Where lines go; defaults to stderr so stdout stays free for data. */
  readonly write?: (line: string) => void;
}

/** A small JSON-lines logger with redaction; used when the user brings none. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const redact = new Set((options.redactKeys ?? DEFAULT_REDACTED_KEYS).map((k) => k.toLowerCase()));
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const make = (bindings: Record<string, unknown>): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>, a: object | string, b?: string) => {
      if (LEVELS[level] < threshold) return;
      const fields = typeof a === 'string' ? {} : a;
      const msg = typeof a === 'string' ? a : b;
      const entry = {
        level,
        time: Date.now(),
        ...bindings,
        ...fields,
        ...(msg === undefined ? {} : { msg }),
      };
      write(JSON.stringify(redactValue(entry, redact, 0)));
    };
    return {
      trace: (a: object | string, b?: string) => emit('trace', a, b),
      debug: (a: object | string, b?: string) => emit('debug', a, b),
      info: (a: object | string, b?: string) => emit('info', a, b),
      warn: (a: object | string, b?: string) => emit('warn', a, b),
      error: (a: object | string, b?: string) => emit('error', a, b),
      child: (more) => make({ ...bindings, ...more }),
    } as Logger;
  };
  return make(options.bindings ?? {});
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createJsonLogger({ level: 'silent' });

/** Returns a copy of `value` with secret-named keys replaced and errors made JSON-safe. */
export function redactValue(value: unknown, keys: ReadonlySet<string>, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const err = value as Error & { code?: unknown; context?: unknown };
    return redactValue(
      { type: err.name, message: err.message, code: err.code, context: err.context, stack: err.stack },
      keys,
      depth + 1,
    );
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, keys, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = keys.has(k.toLowerCase()) ? '[redacted]' : redactValue(v, keys, depth + 1);
  }
  return out;
}
