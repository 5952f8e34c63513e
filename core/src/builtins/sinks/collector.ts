import { TributaryError } from '../../errors/tributary-error.js';
import { BuiltinErrorCodes } from '../builtin-error-codes.js';

/** The read side of a collector, as a test sees it. */
export interface CollectorView<T> {
  /** The collector id (the `CollectSink` carries only this). */
  readonly id: string;
  /** Visible records, in arrival order over all subtasks (a copy). */
  results(): T[];
  /** Visible records per subtask, each in arrival order (copies). */
  resultsBySubtask(): Map<number, T[]>;
  /** Number of visible records. */
  readonly size: number;
  /**
   * Resolves with the results once at least `count` records are visible; rejects with
   * `TRIB_COLLECT_SINK_TIMEOUT` after `timeoutMs` (default 10 s).
   */
  waitForCount(count: number, options?: { readonly timeoutMs?: number }): Promise<T[]>;
  /** Visible records from index `from` on (a copy): read new records without copying the rest. */
  readFrom(from: number): T[];
  /** Resolves when more records become visible. */
  changed(): Promise<void>;
  /** Forgets the visible records (staged batches and committed ids stay: re-commits remain no-ops). */
  clear(): void;
  /** Unregisters the collector; writers created afterwards fail with `TRIB_COLLECT_SINK_UNKNOWN`. */
  dispose(): void;
}

// One registry per process even if two copies of @tributary/core are loaded.
const REGISTRY_KEY = Symbol.for('tributary.collectSink.collectors');
const globals = globalThis as Record<symbol, unknown>;
if (!globals[REGISTRY_KEY]) globals[REGISTRY_KEY] = new Map<string, Collector<unknown>>();
const registry = globals[REGISTRY_KEY] as Map<string, Collector<unknown>>;

/** The in-process store behind a `CollectSink`. @internal */
export class Collector<T> {
  private readonly all: T[] = [];
  private readonly bySubtask = new Map<number, T[]>();
  private readonly staged = new Map<string, { subtask: number; records: T[] }>();
  private readonly committedIds = new Set<string>();
  private readonly waiters = new Set<() => void>();

  private constructor(readonly id: string) {}

  static register<T>(id: string): Collector<T> {
    const collector = new Collector<T>(id);
    registry.set(id, collector as Collector<unknown>);
    return collector;
  }

  static lookup<T>(id: string): Collector<T> {
    const collector = registry.get(id);
    if (!collector) {
      throw new TributaryError(
        BuiltinErrorCodes.COLLECT_SINK_UNKNOWN,
        `No CollectSink collector '${id}' in this process: it was disposed, or the writer runs in another process`,
        { context: { collectorId: id } },
      );
    }
    return collector as Collector<T>;
  }

  append(subtask: number, records: readonly T[]): void {
    if (records.length === 0) return;
    let mine = this.bySubtask.get(subtask);
    if (!mine) {
      mine = [];
      this.bySubtask.set(subtask, mine);
    }
    for (const r of records) {
      this.all.push(r);
      mine.push(r);
    }
    for (const wake of this.waiters) wake();
  }

  stage(commitId: string, subtask: number, records: T[]): void {
    this.staged.set(commitId, { subtask, records });
  }

  /** Makes a staged batch visible once; a second commit of the same id is a no-op. */
  commit(commitId: string): 'committed' | 'already' | 'missing' {
    if (this.committedIds.has(commitId)) return 'already';
    const batch = this.staged.get(commitId);
    if (!batch) return 'missing';
    this.staged.delete(commitId);
    this.committedIds.add(commitId);
    this.append(batch.subtask, batch.records);
    return 'committed';
  }

  view(): CollectorView<T> {
    const self = this;
    return {
      id: this.id,
      results: () => [...self.all],
      resultsBySubtask: () => new Map([...self.bySubtask].map(([s, r]) => [s, [...r]])),
      get size() {
        return self.all.length;
      },
      waitForCount: (count, options) => self.waitForCount(count, options?.timeoutMs ?? 10_000),
      readFrom: (from) => self.all.slice(from),
      changed: () =>
        new Promise<void>((resolve) => {
          const wake = () => {
            self.waiters.delete(wake);
            resolve();
          };
          self.waiters.add(wake);
        }),
      clear: () => {
        self.all.length = 0;
        self.bySubtask.clear();
      },
      dispose: () => {
        registry.delete(self.id);
      },
    };
  }

  private waitForCount(count: number, timeoutMs: number): Promise<T[]> {
    if (this.all.length >= count) return Promise.resolve([...this.all]);
    return new Promise<T[]>((resolve, reject) => {
      const check = () => {
        if (this.all.length < count) return;
        cleanup();
        resolve([...this.all]);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new TributaryError(
            BuiltinErrorCodes.COLLECT_SINK_TIMEOUT,
            `CollectSink has ${this.all.length} of ${count} records after ${timeoutMs} ms`,
            { context: { collectorId: this.id, expected: count, actual: this.all.length, timeoutMs } },
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}
