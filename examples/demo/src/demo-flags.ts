import type { JobOptionsInput } from '@tributary/core';

/** A bad `pnpm demo` flag: printed as one line, exit code 2. */
export class DemoFlagError extends Error {
  override readonly name = 'DemoFlagError';
}

/** An integer flag in `[min, max]`; `undefined` when not given. Rejects `abc`, `1.5`, `1e3`, ``. */
export function integerFlag(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new DemoFlagError(`--${name}: expected a whole number, got '${text}'`);
  }
  if (value < min || value > max) {
    throw new DemoFlagError(`--${name}: expected a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** `--workers auto | <n> | processes:<n>` as the `workers` job option. */
export function workersFlag(text: string | undefined): JobOptionsInput['workers'] {
  if (text === undefined || text === 'auto') return 'auto';
  const processes = /^processes:(.*)$/.exec(text);
  if (processes) return { processes: integerFlag('workers', processes[1], 1, 1024) as number };
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > 1024) {
    throw new DemoFlagError(
      `--workers: expected auto, a number from 1 to 1024 or processes:<n>, got '${text}'`,
    );
  }
  return value;
}

/** The validated flags of `pnpm demo` (limits match the job options they feed). */
export interface DemoFlags {
  readonly records: number | undefined;
  readonly files: number | undefined;
  readonly parallelism: number;
  readonly workers: JobOptionsInput['workers'];
  readonly checkpointIntervalMs: number;
  readonly metricsPort: number | undefined;
  readonly metricsLingerMs: number | undefined;
  readonly jobName: string | undefined;
}

/** Checks the raw flag strings; throws {@link DemoFlagError} naming the first bad one. */
export function parseDemoFlags(values: Readonly<Record<string, string | boolean | undefined>>): DemoFlags {
  const text = (name: string) => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const jobName = text('job-name');
  if (jobName !== undefined && jobName.trim() === '')
    throw new DemoFlagError('--job-name: must not be empty');
  const records = integerFlag('records', text('records'), 1, 100_000_000);
  const files = integerFlag('files', text('files'), 1, 10_000);
  if (records !== undefined && files !== undefined && files > records) {
    throw new DemoFlagError(
      `--files: ${files} files need at least as many records (got --records ${records})`,
    );
  }
  return {
    records,
    files,
    parallelism: integerFlag('parallelism', text('parallelism') ?? '2', 1, 1024) as number,
    workers: workersFlag(text('workers')),
    checkpointIntervalMs: integerFlag(
      'checkpoint-interval-ms',
      text('checkpoint-interval-ms') ?? '1000',
      10,
      86_400_000,
    ) as number,
    metricsPort: integerFlag('metrics-port', text('metrics-port'), 0, 65_535),
    metricsLingerMs: integerFlag('metrics-linger-ms', text('metrics-linger-ms'), 0, 86_400_000),
    jobName,
  };
}
