import type { Logger } from '@tributary/core';

/**
 * A human-readable {@link Logger} for the harness (`[services] kafka: started in 2.1 s`), written
 * to stderr so test output and `pnpm services status --json` stay clean. `quiet` keeps warnings
 * and errors only.
 */
export function createProgressLogger(
  options: { readonly quiet?: boolean; readonly prefix?: string } = {},
): Logger {
  const prefix = options.prefix ?? '[services]';
  const make = (bindings: Record<string, unknown>): Logger => {
    const emit = (level: string, a: object | string, b?: string) => {
      if (options.quiet === true && (level === 'trace' || level === 'debug' || level === 'info')) return;
      if (level === 'trace' || level === 'debug') return;
      const fields = { ...bindings, ...(typeof a === 'string' ? {} : a) };
      const message = typeof a === 'string' ? a : (b ?? '');
      const service = typeof fields.service === 'string' ? `${fields.service}: ` : '';
      delete fields.service;
      const rest = Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
      process.stderr.write(
        `${prefix} ${level === 'info' ? '' : `${level.toUpperCase()} `}${service}${message}${rest}\n`,
      );
    };
    return {
      trace: (a: object | string, b?: string) => emit('trace', a, b),
      debug: (a: object | string, b?: string) => emit('debug', a, b),
      info: (a: object | string, b?: string) => emit('info', a, b),
      warn: (a: object | string, b?: string) => emit('warn', a, b),
      error: (a: object | string, b?: string) => emit('error', a, b),
      child: (more: Record<string, unknown>) => make({ ...bindings, ...more }),
    } as Logger;
  };
  return make({});
}
