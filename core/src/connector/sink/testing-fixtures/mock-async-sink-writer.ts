import type { SinkWriterContext, WriterInitContext } from '../../../api/sink.js';
import { silentLogger } from '../../../logging/logger.js';
import { SinkWriterMetricGroup } from '../../../metrics/metric-groups.js';
import { MetricRegistry } from '../../../metrics/metric-registry.js';
import { AsyncSinkWriter } from '../async-sink-writer.js';
import type { AsyncSinkWriterInit } from '../async-sink-writer-init.js';

/** A test record: `key` for per-key order checks, `bytes` as its size in the request. */
export interface TestRecord {
  readonly key: string;
  readonly value: number;
  readonly bytes?: number;
}

/** The request entry the mock writer sends. */
export interface TestEntry {
  readonly key: string;
  readonly value: number;
  readonly bytes: number;
}

/** One request the mock received; the test decides its outcome unless `submit` is set. */
export interface MockRequest {
  readonly entries: readonly TestEntry[];
  /** Completes the request; `failed` entries are returned for retry. */
  succeed(failed?: readonly TestEntry[]): void;
  /** Makes the whole request throw. */
  fail(error: unknown): void;
  readonly done: boolean;
}

/** Decides a request's outcome automatically (return failed entries, or throw). */
export type AutoSubmit = (
  entries: readonly TestEntry[],
  writer: MockAsyncSinkWriter,
) => Promise<readonly TestEntry[]> | readonly TestEntry[];

export const writeCtx: SinkWriterContext = { currentWatermark: undefined, timestamp: () => undefined };

export function record(key: string, value: number, bytes = 10): TestRecord {
  return { key, value, bytes };
}

export function records(n: number, keys = 1, bytes = 10, start = 0): TestRecord[] {
  return Array.from({ length: n }, (_, i) => record(`k${(start + i) % keys}`, start + i, bytes));
}

export function testInitContext(registry = new MetricRegistry()): WriterInitContext {
  return {
    subtaskId: 0,
    parallelism: 1,
    attemptNumber: 0,
    restoredCheckpointId: undefined,
    jobId: 'job',
    metricGroup: new SinkWriterMetricGroup(registry, { job: 'job', operator: 'sink', subtask: '0' }),
    logger: silentLogger,
  };
}

type MockInit = Omit<AsyncSinkWriterInit<TestRecord, TestEntry>, 'elementConverter' | 'context'> & {
  readonly context?: WriterInitContext;
  readonly elementConverter?: AsyncSinkWriterInit<TestRecord, TestEntry>['elementConverter'];
  readonly submit?: AutoSubmit;
};

/**
 * An async sink writer whose requests the test controls: every request is recorded, and either
 * `submit` answers it or the test calls `succeed` / `fail` on it.
 */
export class MockAsyncSinkWriter extends AsyncSinkWriter<TestRecord, TestEntry> {
  readonly requests: MockRequest[] = [];
  /** Entries of successful requests minus the failed ones, in delivery order. */
  readonly delivered: TestEntry[] = [];
  inFlightNow = 0;
  peakInFlight = 0;
  submit: AutoSubmit | undefined;

  constructor(init: MockInit = {}) {
    const { submit, context, elementConverter, ...rest } = init;
    super({
      ...rest,
      context: context ?? testInitContext(),
      elementConverter: elementConverter ?? ((r) => ({ key: r.key, value: r.value, bytes: r.bytes ?? 10 })),
    });
    this.submit = submit;
  }

  /** Exposes the protected helper to `submit` functions. */
  reject(entries: readonly TestEntry[], error: unknown): Promise<void> {
    return this.rejectEntries(entries, error);
  }

  protected override getSizeInBytes(entry: TestEntry): number {
    return entry.bytes;
  }

  protected override submitRequestEntries(entries: readonly TestEntry[]): Promise<readonly TestEntry[]> {
    this.inFlightNow++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlightNow);
    const settle = (failed: readonly TestEntry[]) => {
      this.inFlightNow--;
      for (const e of entries) if (!failed.includes(e)) this.delivered.push(e);
      return failed;
    };
    let resolveFn: (failed: readonly TestEntry[]) => void = () => {};
    let rejectFn: (error: unknown) => void = () => {};
    const promise = new Promise<readonly TestEntry[]>((resolve, reject) => {
      resolveFn = resolve;
      rejectFn = reject;
    });
    const request = {
      entries,
      done: false,
      succeed: (failed: readonly TestEntry[] = []) => {
        request.done = true;
        resolveFn(settle(failed));
      },
      fail: (error: unknown) => {
        request.done = true;
        this.inFlightNow--;
        rejectFn(error);
      },
    };
    this.requests.push(request);
    const submit = this.submit;
    if (submit !== undefined) {
      Promise.resolve()
        .then(() => submit(entries, this))
        .then(
          (failed) => request.succeed(failed),
          (error: unknown) => request.fail(error),
        );
    }
    return promise;
  }
}

/** Lets pending promise callbacks and timers due now run (one macrotask turn). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Values of entries, for compact assertions. */
export function values(entries: readonly TestEntry[]): number[] {
  return entries.map((e) => e.value);
}
