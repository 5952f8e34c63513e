import type { Logger } from '@tributary/core';

/** One captured log call. */
export interface LogEntry {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** A Logger that keeps every entry (with child bindings merged) for assertions. */
export function recordingLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): Logger & {
  entries: LogEntry[];
} {
  const log =
    (level: string) =>
    (a: object | string, b?: string): void => {
      const fields = typeof a === 'string' ? {} : (a as Record<string, unknown>);
      entries.push({ level, fields: { ...bindings, ...fields }, msg: typeof a === 'string' ? a : b });
    };
  return {
    entries,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more: Record<string, unknown>) => recordingLogger(entries, { ...bindings, ...more }),
  } as Logger & { entries: LogEntry[] };
}
