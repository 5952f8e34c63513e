import type { SourceReaderContext } from '../../../api/source.js';
import { silentLogger } from '../../../logging/logger.js';
import { SourceReaderMetricGroup } from '../../../metrics/metric-groups.js';
import { MetricRegistry } from '../../../metrics/metric-registry.js';
import type { RecordsWithSplitIds } from '../records-with-split-ids.js';
import type { SplitsChange } from '../split-reader.js';
import { type LogRecord, type LogSplit, LogSplitReader } from './log-connector.js';

/**
 * Test doubles for the source connector base: a tiny in-memory partitioned log (numbered
 * records, like Kafka) that tests append to and inject failures into, and an instrumented
 * version of the example {@link LogSplitReader}.
 */

interface Partition {
  /** Records 0 .. available-1 exist. */
  available: number;
  timestampBase: number;
}

/** An in-memory partitioned log; record `i` of a partition has timestamp `timestampBase + i`. */
export class FakeLog {
  private readonly partitions = new Map<string, Partition>();
  private changed: { promise: Promise<void>; resolve: () => void } | undefined;
  private failure: unknown;
  /** Every fetch() of every instrumented reader over this log. */
  fetchCalls = 0;

  createPartition(splitId: string, options: { available?: number; timestampBase?: number } = {}): this {
    this.partitions.set(splitId, {
      available: options.available ?? 0,
      timestampBase: options.timestampBase ?? 0,
    });
    this.notify();
    return this;
  }

  /** Makes `count` more records available (`Infinity`: an endless partition). */
  append(splitId: string, count: number): void {
    this.partition(splitId).available += count;
    this.notify();
  }

  /** The next read of any reader throws `error`. */
  failNextRead(error: unknown): void {
    this.failure = error;
    this.notify();
  }

  /** Reads up to `max` records of `splitId` from `from`, never past `endOffset`. */
  read(splitId: string, from: number, max: number, endOffset: number | undefined): LogRecord[] {
    if (this.failure !== undefined) {
      const error = this.failure;
      this.failure = undefined;
      throw error;
    }
    const p = this.partition(splitId);
    const limit = Math.min(p.available, endOffset ?? Number.POSITIVE_INFINITY, from + max);
    const records: LogRecord[] = [];
    for (let offset = from; offset < limit; offset++)
      records.push({ offset, timestamp: p.timestampBase + offset });
    return records;
  }

  /** Resolves on the next append or failure injection. */
  whenChanged(): Promise<void> {
    if (!this.changed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.changed = { promise, resolve };
    }
    return this.changed.promise;
  }

  private notify(): void {
    const changed = this.changed;
    this.changed = undefined;
    changed?.resolve();
  }

  private partition(splitId: string): Partition {
    const p = this.partitions.get(splitId);
    if (!p) throw new Error(`no partition ${splitId}`);
    return p;
  }
}

/** What an {@link InstrumentedLogSplitReader} was asked to do. */
export interface LogSplitReaderProbe {
  wakeUps: number;
  closed: boolean;
  changes: SplitsChange<LogSplit>[];
  pauses: { pause: string[]; resume: string[] }[];
}

/** The example split reader, recording its calls; `ignoreWakeUp` simulates a client that cannot be interrupted. */
export class InstrumentedLogSplitReader extends LogSplitReader {
  readonly probe: LogSplitReaderProbe = { wakeUps: 0, closed: false, changes: [], pauses: [] };

  constructor(
    log: FakeLog,
    batchSize = 10,
    private readonly ignoreWakeUp = false,
  ) {
    super(log, batchSize);
  }

  override fetch(): Promise<RecordsWithSplitIds<LogRecord>> {
    this.log.fetchCalls++;
    return super.fetch();
  }

  override handleSplitsChanges(change: SplitsChange<LogSplit>): void {
    this.probe.changes.push(change);
    super.handleSplitsChanges(change);
  }

  override pauseOrResumeSplits(toPause: readonly LogSplit[], toResume: readonly LogSplit[]): void {
    this.probe.pauses.push({ pause: toPause.map((s) => s.splitId), resume: toResume.map((s) => s.splitId) });
    super.pauseOrResumeSplits(toPause, toResume);
  }

  override wakeUp(): void {
    this.probe.wakeUps++;
    if (!this.ignoreWakeUp) super.wakeUp();
  }

  override async close(): Promise<void> {
    this.probe.closed = true;
    await super.close();
  }
}

/** A reader context backed by a fresh metric registry; counts split requests. */
export function testReaderContext(): SourceReaderContext & { splitRequests: number } {
  const ctx = {
    subtaskId: 0,
    parallelism: 1,
    metricGroup: new SourceReaderMetricGroup(new MetricRegistry(), {
      job: 'test',
      operator: 'source',
      subtask: '0',
    }),
    logger: silentLogger,
    location: 'test',
    splitRequests: 0,
    sendSplitRequest() {
      ctx.splitRequests++;
    },
    sendSourceEventToCoordinator() {},
  };
  return ctx;
}
