import { once } from 'node:events';
import { z } from 'zod';
import type { Sink, SinkWriter, WriterInitContext } from '../../api/sink.js';
import { defineOptions } from '../../config/options.js';

/** Where a {@link PrintSink} writes: a standard stream, any writable stream, or a line callback. */
export type PrintTarget = 'stdout' | 'stderr' | NodeJS.WritableStream | ((line: string) => void);

const isTarget = (v: unknown): boolean =>
  v === 'stdout' ||
  v === 'stderr' ||
  typeof v === 'function' ||
  (typeof v === 'object' && v !== null && typeof (v as { write?: unknown }).write === 'function');

/** The options schema of {@link PrintSink}. */
export const printSinkOptions = defineOptions(
  'print.sink',
  z
    .object({
      identifier: z
        .string()
        .optional()
        .describe('Printed before the subtask number (`orders:0> ...`) to tell several print sinks apart.'),
      target: z
        .custom<PrintTarget>(isTarget, {
          message: "must be 'stdout', 'stderr', a writable stream or a (line) => void function",
        })
        .default('stdout')
        .meta({ type: "'stdout' | 'stderr' | Writable | (line) => void" })
        .describe("'stdout', 'stderr', a writable stream, or a function called with each line."),
      format: z
        .custom<(record: unknown) => string>((v) => typeof v === 'function', {
          message: 'must be a function (record) => string',
        })
        .optional()
        .meta({ type: '(record) => string' })
        .describe(
          'Turns a record into text. Default: strings as is, other values as JSON (bigint as string).',
        ),
    })
    .strict(),
);

/** Options of a {@link PrintSink}. */
export interface PrintSinkOptions<T> {
  /** Printed before the subtask number, e.g. `orders` → `orders:0> ...`. */
  readonly identifier?: string;
  /** Default `'stdout'`. */
  readonly target?: PrintTarget;
  /** Record → text; default strings as is, others as JSON. */
  readonly format?: (record: T) => string;
}

/** Default record formatting: strings as they are, everything else as JSON (bigint as a string). */
export function formatRecord(record: unknown): string {
  if (typeof record === 'string') return record;
  if (record === undefined || typeof record === 'bigint') return String(record);
  try {
    return JSON.stringify(record, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
  } catch {
    // Cycles and other values JSON refuses: still print something useful.
    return String(record);
  }
}

/**
 * Prints every record as one line prefixed with the subtask (`3> {"id":1}`, or
 * `orders:3> ...` with an identifier). The subtask number is the 0-based `subtaskId`, as in
 * Tributary's logs and metrics. For debugging and examples: it gives no delivery guarantee
 * (records printed after the last checkpoint are printed again after a restore).
 *
 * A stream target gets one `write` per batch and the writer waits for `drain` when the stream
 * buffers too much, so a slow terminal or pipe slows the job instead of growing memory.
 */
export class PrintSink<T> implements Sink<T> {
  private readonly options: ReturnType<typeof printSinkOptions.parse>;

  constructor(options: PrintSinkOptions<T> = {}) {
    this.options = printSinkOptions.parse(options);
  }

  createWriter(ctx: WriterInitContext): SinkWriter<T> {
    const { identifier, target, format } = this.options;
    const prefix = identifier === undefined ? `${ctx.subtaskId}> ` : `${identifier}:${ctx.subtaskId}> `;
    return new PrintSinkWriter<T>(
      prefix,
      target === 'stdout' ? process.stdout : target === 'stderr' ? process.stderr : target,
      (format as ((record: T) => string) | undefined) ?? formatRecord,
      ctx,
    );
  }
}

class PrintSinkWriter<T> implements SinkWriter<T> {
  constructor(
    private readonly prefix: string,
    private readonly target: NodeJS.WritableStream | ((line: string) => void),
    private readonly format: (record: T) => string,
    private readonly ctx: WriterInitContext,
  ) {}

  async write(batch: readonly T[]): Promise<void> {
    const { prefix, format, target } = this;
    if (typeof target === 'function') {
      for (const record of batch) target(prefix + format(record));
    } else {
      let text = '';
      for (const record of batch) text += `${prefix}${format(record)}\n`;
      if (!target.write(text)) await once(target, 'drain');
    }
    this.ctx.metricGroup.numRecordsSend.inc(batch.length);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
