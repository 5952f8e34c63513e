import { toError } from '../errors/tributary-error.js';
import type { Logger } from '../logging/logger.js';

/** What a job reports while it runs: for dashboards, CLIs and tests instead of polling metrics. */
export type JobEvent =
  | {
      readonly type: 'checkpointCompleted';
      readonly checkpointId: number;
      readonly kind: 'checkpoint' | 'savepoint';
      readonly durationMs: number;
      /** Bytes the checkpoint wrote. */
      readonly sizeBytes: number;
      /** Where it is stored (a `chk-<id>` directory, or the savepoint path). */
      readonly location: string;
    }
  | {
      readonly type: 'checkpointFailed';
      readonly checkpointId: number;
      readonly kind: 'checkpoint' | 'savepoint';
      readonly error: Error;
    }
  | {
      /** An attempt starts from stored state: a checkpoint of its directory or `restoreFrom`. */
      readonly type: 'restored';
      readonly checkpointId: number;
      /** `savepoint` for savepoints (also a stop-with-savepoint's `chk-<id>`), else `checkpoint`. */
      readonly kind: 'checkpoint' | 'savepoint';
      /** 0 for the job's start, then +1 per restart. */
      readonly attemptNumber: number;
    }
  | {
      /**
       * Every subtask of an attempt is up: its reader registered with the enumerator (with workers,
       * after each worker loaded the job module). Start-up cost ends here.
       */
      readonly type: 'running';
      readonly attemptNumber: number;
    }
  | {
      readonly type: 'restarting';
      /** Restarts so far, this one included. */
      readonly restarts: number;
      readonly delayMs: number;
      readonly error: Error;
    }
  | {
      /** The job ended: finished (bounded input), stopped (stop-with-savepoint) or cancelled. */
      readonly type: 'finished';
      readonly status: 'finished' | 'stopped' | 'cancelled';
      readonly lastCheckpointId: number | undefined;
      readonly savepointPath: string | undefined;
    }
  | { readonly type: 'failed'; readonly error: Error };

export type JobEventType = JobEvent['type'];
export type JobEventOf<K extends JobEventType> = Extract<JobEvent, { type: K }>;

/**
 * The job's event bus. Listeners run synchronously when the event happens; one that throws is
 * logged and never disturbs the job. Iterators (`events()`) buffer what happens between two
 * reads and end after `finished` or `failed`. Both see only events after they subscribed:
 * subscribe right after `start()` (the job's first event comes after an await) to see all.
 */
export class JobEvents {
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private ended = false;

  constructor(private readonly logger: Logger) {}

  emit(event: JobEvent): void {
    if (this.ended) return;
    if (event.type === 'finished' || event.type === 'failed') this.ended = true;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: toError(error), event: event.type }, 'job event listener threw');
      }
    }
  }

  /** Calls `listener` for every event of `type` (or `'*'`: every event); returns the unsubscribe. */
  on<K extends JobEventType>(type: K | '*', listener: (event: JobEventOf<K>) => void): () => void {
    const wrapped = (event: JobEvent) => {
      if (type === '*' || event.type === type) listener(event as JobEventOf<K>);
    };
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  /** Every event from now on, ending after the job ends. Leaving the loop unsubscribes. */
  events(): AsyncIterableIterator<JobEvent> {
    const buffer: JobEvent[] = [];
    let wake: (() => void) | undefined;
    let done = this.ended;
    const unsubscribe = this.on('*', (event) => {
      buffer.push(event);
      if (event.type === 'finished' || event.type === 'failed') done = true;
      wake?.();
      wake = undefined;
    });
    async function* iterate(): AsyncGenerator<JobEvent> {
      try {
        for (;;) {
          while (buffer.length > 0) yield buffer.shift() as JobEvent;
          if (done) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        unsubscribe();
      }
    }
    return iterate();
  }
}
