import type { Logger } from '../../logging/logger.js';
import type { WorkerToMain } from './worker-protocol.js';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * A worker's logger: every line goes to the main thread, which writes it with the job's logger
 * (same level filter, redaction and destination). Bindings such as `subtask` travel with it.
 */
export function forwardingLogger(
  post: (message: WorkerToMain) => void,
  bindings: Record<string, unknown> = {},
): Logger {
  const emit = (level: Level, a: object | string, b?: string) => {
    const fields = typeof a === 'string' ? {} : (a as Record<string, unknown>);
    const msg = typeof a === 'string' ? a : b;
    post({ type: 'log', level, bindings, fields: cloneable(fields), msg });
  };
  return {
    trace: (a: object | string, b?: string) => emit('trace', a, b),
    debug: (a: object | string, b?: string) => emit('debug', a, b),
    info: (a: object | string, b?: string) => emit('info', a, b),
    warn: (a: object | string, b?: string) => emit('warn', a, b),
    error: (a: object | string, b?: string) => emit('error', a, b),
    child: (more: Record<string, unknown>) => forwardingLogger(post, { ...bindings, ...more }),
  } as Logger;
}

/** Log fields as clone-able data: errors become plain objects, functions are dropped. */
function cloneable(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      const e = value as Error & { code?: unknown; context?: unknown };
      out[key] = { type: e.name, message: e.message, code: e.code, context: e.context, stack: e.stack };
    } else if (typeof value !== 'function' && typeof value !== 'symbol') {
      out[key] = value;
    }
  }
  return out;
}

/** Writes a forwarded line with the main thread's logger. */
export function writeForwardedLog(logger: Logger, message: Extract<WorkerToMain, { type: 'log' }>): void {
  const target = Object.keys(message.bindings).length > 0 ? logger.child({ ...message.bindings }) : logger;
  if (message.msg === undefined) target[message.level]({ ...message.fields });
  else target[message.level]({ ...message.fields }, message.msg);
}
