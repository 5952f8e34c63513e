import { setMaxListeners } from 'node:events';
import {
  isCommittingWriter,
  isStatefulWriter,
  type SinkWriter,
  type SinkWriterContext,
  type WriterInitContext,
} from '../../api/sink.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { isRetriable, isTributaryError, TributaryError, toError } from '../../errors/tributary-error.js';
import type { Counter } from '../../metrics/metric-types.js';
import { retry } from '../../retry/retry.js';
import type { BoundedWriter } from '../bounded-writer.js';
import { type ChainOperator, runChain } from '../operator-chain.js';
import type { AsyncCallContext, AsyncFunction, AsyncIoOptions } from './async-io-options.js';
import {
  type AsyncEmission,
  AsyncResultQueue,
  type AsyncSlot,
  type AsyncSlotListener,
} from './async-result-queue.js';
import { type AsyncStageBuffer, AsyncWindow, OrderedWindows, UnorderedWindows } from './async-windows.js';
import { CallDeadlines } from './call-deadlines.js';
import { type AttemptOwner, type GroupMember, TimedGroup } from './timed-group.js';
import { TimedWindow, type WindowTimer } from './timed-window.js';

const settled = Promise.resolve();

/** A writer method's result as a promise to wait for, or undefined when it returned none. */
function toPromise(result: unknown): Promise<void> | undefined {
  if (result instanceof Promise) return result as Promise<void>;
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as PromiseLike<void>).then === 'function'
  )
    return Promise.resolve(result as PromiseLike<void>);
  return undefined;
}

/** The writer state of an async stage: inputs not emitted yet, and the wrapped writer's state. */
export interface AsyncStageState {
  readonly inputs: unknown[];
  readonly timestamps: number[];
  readonly inner: unknown[];
}

/**
 * The async I/O operator of one subtask (Flink's `AsyncWaitOperator`). `write` issues one call per
 * record and returns as soon as the stage has room (at most `capacity` records in it): the
 * reader keeps reading while calls are in flight. Results flow through the operators after the
 * stage into the wrapped writer as they become emittable.
 *
 * Every call on the wrapped writer goes through one promise chain (`serial`), so it sees the
 * serialized calls the runtime guarantees. Emitting pauses from the checkpoint's `flush(false)`
 * until its `snapshotState`, so a checkpoint holds each record either as emitted (in the wrapped
 * writer's flushed or pre-committed data) or as an input to re-issue, never both or neither.
 */
export class AsyncStageWriter<T, R> implements SinkWriter<T>, AsyncSlotListener<T, R>, BoundedWriter {
  /** Records in the stage: `windows` without retry, else `slots`. */
  private readonly queue: AsyncStageBuffer<T, R>;
  /** With retry: records in pooled slots, each call settled on its own. */
  private readonly slots: AsyncResultQueue<T, R> | undefined;
  /** Without retry: records per window, results stored by index (see `async-windows.ts`). */
  private readonly windows: OrderedWindows<T, R> | UnorderedWindows<T, R> | undefined;
  /** Without retry, with `timeoutMs`: what the timed windows share. */
  private readonly windowTimer: WindowTimer<T, R>;
  private serial: Promise<unknown> = Promise.resolve();
  /** Actions chained on `serial` and not finished: while 0, an emission may start at once. */
  private serialPending = 0;
  private emitQueued = false;
  private emitTimer: NodeJS.Immediate | undefined;
  private paused = false;
  private failure: unknown;
  private inFlight = 0;
  private roomWaiter: (() => void) | undefined;
  private idleWaiter: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly timeouts: Counter;
  private readonly retries: Counter;
  private watermark: number | undefined;
  private readonly innerCtx: SinkWriterContext & { timestamps: number[] };
  private readonly firstAttempt: AsyncCallContext;
  /** With `timeoutMs`: the time limits of the calls running, on one timer. */
  private readonly deadlines: CallDeadlines | undefined;
  /** With `timeoutMs`: what its attempts share. */
  private readonly timing: AttemptOwner | undefined;
  /** With `timeoutMs`: when the calls being issued start (the clock is read once per run of issues). */
  private issueTime = 0;
  /** With `timeoutMs`: the group the last timed attempt joined; later ones with its deadline join it. */
  private lastGroup: TimedGroup<R> | undefined;

  constructor(
    private readonly fn: AsyncFunction<T, R>,
    private readonly options: AsyncIoOptions,
    private readonly after: readonly ChainOperator[],
    private readonly inner: SinkWriter<unknown>,
    private readonly ctx: WriterInitContext,
    restored: { readonly inputs: readonly unknown[]; readonly timestamps: readonly number[] },
  ) {
    if (options.retry === undefined) {
      this.windows = options.ordered ? new OrderedWindows<T, R>() : new UnorderedWindows<T, R>();
      this.queue = this.windows;
    } else {
      this.slots = new AsyncResultQueue<T, R>(options.ordered, this);
      this.queue = this.slots;
    }
    // Every call in flight (up to `capacity`) listens for the stage closing.
    setMaxListeners(0, this.abort.signal);
    const metrics = ctx.metricGroup.addGroup('operator', options.name);
    metrics.gauge('asyncInFlight', () => this.inFlight);
    metrics.gauge('asyncQueueSize', () => this.queue.size);
    this.timeouts = metrics.counter('numAsyncTimeouts');
    this.retries = metrics.counter('numAsyncRetries');
    const deadlines = options.timeoutMs === undefined ? undefined : new CallDeadlines(options.timeoutMs);
    this.deadlines = deadlines;
    this.timing =
      deadlines === undefined
        ? undefined
        : { signal: this.abort.signal, deadlines, timedOut: (attempt) => this.timedOut(attempt, deadlines) };
    this.firstAttempt = { signal: this.abort.signal, attempt: 1, subtaskId: ctx.subtaskId };
    this.windowTimer = { signal: this.abort.signal, expired: (window) => this.windowExpired(window) };
    const self = this;
    this.innerCtx = {
      timestamps: [],
      get currentWatermark() {
        return self.watermark;
      },
      timestamp(index: number) {
        const ts = this.timestamps[index];
        return ts === undefined || Number.isNaN(ts) ? undefined : ts;
      },
    };
    if (restored.inputs.length > 0) {
      ctx.logger.info(
        { operator: options.name, inputs: restored.inputs.length, subtask: ctx.subtaskId },
        're-issuing async calls in flight at the checkpoint',
      );
    }
    // Restored inputs go first, in their order, even beyond capacity (a rescale may merge several).
    if (deadlines !== undefined) this.issueTime = deadlines.clock();
    if (this.windows !== undefined) {
      if (restored.inputs.length > 0) {
        const timed = restored.timestamps.some((t) => !Number.isNaN(t));
        const stamps = timed ? restored.inputs.map((_, i) => restored.timestamps[i] ?? Number.NaN) : [];
        this.issueWindow([...restored.inputs] as T[], stamps);
      }
    } else {
      restored.inputs.forEach((input, i) => {
        this.issue(input as T, restored.timestamps[i] ?? Number.NaN);
      });
    }
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    this.resume();
    const capacity = this.options.capacity;
    const n = batch.length;
    let i = 0;
    while (i < n) {
      const room = capacity - this.queue.size;
      if (room <= 0) {
        await this.room();
        this.throwIfFailed();
        continue;
      }
      i = this.take(batch, i, Math.min(n, i + room), ctx);
    }
  }

  /**
   * @internal Takes a whole batch that fits (`batch.length <= recordsAccepted()`, see
   * `BoundedWriter`) without a promise: the runtime's usual hand-over, its poll cut to the room.
   */
  writeAccepted(batch: readonly T[], ctx: SinkWriterContext): void {
    this.resume();
    if (batch.length > this.options.capacity - this.queue.size) {
      throw new TributaryError(
        CoreErrorCodes.CONTRACT_VIOLATION,
        `writeAccepted() of ${batch.length} records with room for ${this.options.capacity - this.queue.size} in async stage '${this.options.name}'`,
        { context: { operator: this.options.name } },
      );
    }
    this.take(batch, 0, batch.length, ctx);
  }

  /**
   * Issues `batch[from..to)`, which fits in the stage (calls settle in later microtasks at the
   * earliest, so the room cannot shrink meanwhile); returns `to`. A whole batch becomes a window
   * as it is, not a copy: every caller hands its batch over (the runtime takes a new array per
   * poll, an earlier stage emits arrays it no longer holds).
   */
  private take(batch: readonly T[], from: number, to: number, ctx: SinkWriterContext): number {
    // The runtime's contexts hold the batch's timestamps in an array that is empty when no record
    // has one: then every input gets NaN without a call per record.
    const stamps = (ctx as { readonly timestamps?: unknown }).timestamps;
    const untimed = Array.isArray(stamps) && stamps.length === 0;
    if (this.windows !== undefined) {
      const timestamps: number[] = [];
      if (!untimed) for (let k = from; k < to; k++) timestamps.push(ctx.timestamp(k) ?? Number.NaN);
      this.issueWindow(from === 0 && to === batch.length ? batch : batch.slice(from, to), timestamps);
    } else {
      if (this.deadlines !== undefined) this.issueTime = this.deadlines.clock();
      if (untimed) {
        for (let i = from; i < to; i++) this.issue(batch[i] as T, Number.NaN);
      } else {
        for (let i = from; i < to; i++) this.issue(batch[i] as T, ctx.timestamp(i) ?? Number.NaN);
      }
    }
    this.throwIfFailed();
    return to;
  }

  /** @internal Records `write` takes now without waiting (see `BoundedWriter`). */
  recordsAccepted(): number {
    return this.options.capacity - this.queue.size;
  }

  /**
   * @internal Resolves at the next emission (room made) or failure; the caller checks
   * `recordsAccepted()` again. Not an async function: this sits between every two polls.
   */
  whenAccepting(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.queue.size < this.options.capacity) return settled;
    return this.room();
  }

  writeWatermark(watermark: number): void {
    this.queue.addWatermark(watermark);
    this.scheduleEmit();
  }

  async flush(endOfInput: boolean): Promise<void> {
    this.resume();
    if (endOfInput) {
      // End of input: every call must complete and its result reach the sink before its final flush.
      while (this.queue.size > 0) {
        await this.idle();
        this.throwIfFailed();
      }
      await this.onInner(async () => {
        await this.emitNow();
        await this.inner.flush(true);
      });
      return;
    }
    await this.onInner(async () => {
      await this.emitNow();
      this.paused = true;
      await this.inner.flush(false);
    });
  }

  prepareCommit(): Promise<unknown[]> {
    return this.onInner(async () => (isCommittingWriter(this.inner) ? this.inner.prepareCommit() : []));
  }

  snapshotState(checkpointId: number): Promise<AsyncStageState[]> {
    return this.onInner(async () => {
      const inner = isStatefulWriter(this.inner) ? await this.inner.snapshotState(checkpointId) : [];
      const pending = this.queue.pendingInputs();
      this.resume();
      return [
        {
          inputs: pending.map((e) => e.input),
          timestamps: pending.map((e) => e.timestamp),
          inner,
        },
      ];
    });
  }

  async close(): Promise<void> {
    this.abort.abort(new TributaryError(CoreErrorCodes.ABORTED, `async stage '${this.options.name}' closed`));
    if (this.deadlines !== undefined) {
      this.deadlines.stop();
      for (const call of this.deadlines.running()) {
        (call as TimedGroup<R> | TimedWindow<T, R>).abort(this.abort.signal.reason);
      }
    }
    this.failure ??= new TributaryError(CoreErrorCodes.CLOSED, `async stage '${this.options.name}' closed`);
    this.wake();
    await this.serial.catch(() => undefined);
    await this.inner.close();
  }

  /**
   * Without retry: issues `inputs` as one window. Each call's result goes straight to its index in
   * the window (one closure per call, which dies young with the window). With `timeoutMs` the
   * window is one deadline entry and the calls' shared context (its calls start together).
   */
  private issueWindow(inputs: readonly T[], timestamps: readonly number[]): void {
    const deadlines = this.deadlines;
    let window: AsyncWindow<T, R>;
    let ctx: AsyncCallContext;
    if (deadlines === undefined) {
      window = new AsyncWindow<T, R>(inputs, timestamps);
      ctx = this.firstAttempt;
    } else {
      const timed = new TimedWindow<T, R>(inputs, timestamps, this.ctx.subtaskId, this.windowTimer);
      deadlines.start(timed);
      window = timed;
      ctx = timed;
    }
    (this.windows as OrderedWindows<T, R> | UnorderedWindows<T, R>).add(window);
    const n = inputs.length;
    this.inFlight += n;
    const fn = this.fn;
    for (let i = 0; i < n; i++) {
      let call: Promise<R>;
      try {
        call = fn(inputs[i] as T, ctx);
      } catch (error) {
        this.windowCallFailed(error);
        continue;
      }
      (call instanceof Promise ? call : Promise.resolve(call)).then(
        (result) => this.windowResult(window, i, result),
        this.windowCallFailed,
      );
    }
  }

  private windowResult(window: AsyncWindow<T, R>, index: number, result: R): void {
    const deadlines = this.deadlines;
    if (deadlines !== undefined) {
      const timed = window as TimedWindow<T, R>;
      if (timed.expired) return; // the stage failed at the deadline
      // The window's last call: its deadline is no longer needed.
      if (timed.completed === timed.size - 1) deadlines.settle(timed);
    }
    (this.windows as OrderedWindows<T, R> | UnorderedWindows<T, R>).complete(window, index, result);
    this.inFlight--;
    this.scheduleEmit();
  }

  /**
   * A window's deadline passed: each call still running is one timeout, and the stage fails. Once
   * the stage failed (a call of the window may have been that failure) nothing more is counted.
   */
  private windowExpired(window: TimedWindow<T, R>): void {
    if (this.failure !== undefined) return;
    const deadlines = this.deadlines as CallDeadlines;
    let first: unknown;
    for (let i = window.running; i > 0; i--) {
      const error = this.timedOut(1, deadlines);
      first ??= error;
    }
    if (first === undefined) return;
    window.abort(first);
    this.fail(this.wrap(first, 1));
  }

  private readonly windowCallFailed = (error: unknown): void => {
    this.inFlight--;
    this.fail(this.wrap(error, 1));
  };

  /** With retry: one call in a pooled slot, its attempts run by the core `retry` helper. */
  private issue(input: T, timestamp: number): void {
    this.inFlight++;
    const slot = (this.slots as AsyncResultQueue<T, R>).add(input, timestamp);
    this.callWithRetry(input).then(slot.resolve, slot.reject);
  }

  /** Calls the function; its outcome, a synchronous throw included, goes to `onValue`/`onError`. */
  private invoke(
    input: T,
    ctx: AsyncCallContext,
    onValue: (value: R) => void,
    onError: (error: unknown) => void,
  ): void {
    let call: Promise<R>;
    try {
      call = this.fn(input, ctx);
    } catch (error) {
      onError(error);
      return;
    }
    (call instanceof Promise ? call : Promise.resolve(call)).then(onValue, onError);
  }

  /**
   * The group a timed attempt started at `now` runs in: the last one if it has the same attempt
   * number and deadline (calls issued in the same step), else a new one with its own deadline.
   */
  private groupFor(attempt: number, now: number): TimedGroup<R> {
    const owner = this.timing as AttemptOwner;
    const last = this.lastGroup;
    if (last?.accepts(attempt, now + owner.deadlines.timeoutMs)) return last;
    const group = new TimedGroup<R>(attempt, this.ctx.subtaskId, owner);
    owner.deadlines.start(group, now);
    this.lastGroup = group;
    return group;
  }

  /** @internal A call's result (see {@link AsyncSlotListener}). */
  onResult(slot: AsyncSlot<T, R>, result: R): void {
    this.inFlight--;
    (this.slots as AsyncResultQueue<T, R>).complete(slot, result);
    this.scheduleEmit();
  }

  /** @internal A call failed for good: the stage fails. */
  onError(_slot: AsyncSlot<T, R>, error: unknown): void {
    this.inFlight--;
    this.fail(this.wrap(error, this.options.retry?.maxAttempts ?? 1));
  }

  private attempt(input: T, attempt: number): Promise<R> {
    return this.timing === undefined
      ? this.fn(input, { signal: this.abort.signal, attempt, subtaskId: this.ctx.subtaskId })
      : this.callWithTimeout(input, attempt, this.timing.deadlines);
  }

  private callWithRetry(input: T): Promise<R> {
    const retryOptions = this.options.retry as NonNullable<AsyncIoOptions['retry']>;
    const classify = retryOptions.isRetriable ?? isRetriable;
    return retry((attempt) => this.attempt(input, attempt), {
      maxAttempts: retryOptions.maxAttempts,
      initialDelayMs: retryOptions.initialDelayMs,
      maxDelayMs: retryOptions.maxDelayMs,
      multiplier: retryOptions.multiplier,
      isRetriable: (error) => !this.abort.signal.aborted && classify(error),
      signal: this.abort.signal,
      onRetry: () => this.retries.inc(),
      operation: `async call of '${this.options.name}'`,
    });
  }

  /** One attempt with a time limit (with `retry`): a fresh deadline from now, in a group. */
  private callWithTimeout(input: T, attempt: number, deadlines: CallDeadlines): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      // A first attempt starts inside `issue` (retry calls it synchronously): it shares the clock
      // reading of its run of issues, so the calls issued together share a group (reading the
      // clock per call split them whenever the millisecond turned in between).
      const group = this.groupFor(attempt, attempt === 1 ? this.issueTime : deadlines.clock());
      const member: GroupMember<R> = { group: undefined, open: false, resolve, reject };
      group.add(member);
      this.invoke(
        input,
        group,
        (value) => group.onValue(member, value),
        (error) => group.onError(member, error),
      );
    });
  }

  /** The error of an attempt past its limit (retriable), counted in `numAsyncTimeouts`. */
  private timedOut(attempt: number, deadlines: CallDeadlines): unknown {
    this.timeouts.inc();
    return new TributaryError(
      CoreErrorCodes.TIMEOUT,
      `Async call of '${this.options.name}' timed out after ${deadlines.timeoutMs} ms`,
      {
        retriable: true,
        context: { operator: this.options.name, timeoutMs: deadlines.timeoutMs, attempt },
      },
    );
  }

  /** The error that fails the job: names the operator and subtask, never the record's content. */
  private wrap(error: unknown, attempts: number): unknown {
    if (
      isTributaryError(error) &&
      (error.code === CoreErrorCodes.ABORTED || error.code === CoreErrorCodes.CLOSED)
    )
      return error;
    return new TributaryError(
      CoreErrorCodes.ASYNC_CALL_FAILED,
      `Async call of '${this.options.name}' failed (subtask ${this.ctx.subtaskId}, ${attempts} attempt(s) allowed): ${toError(error).message}`,
      { cause: error, context: { operator: this.options.name, subtask: this.ctx.subtaskId } },
    );
  }

  /** Runs `action` on the wrapped writer after every earlier one. */
  private onInner<V>(action: () => Promise<V>): Promise<V> {
    this.serialPending++;
    const run = this.serial.then(() => {
      this.throwIfFailed();
      return action();
    });
    this.serial = run.then(this.serialDone, this.serialFailed);
    return run;
  }

  /**
   * Emits on the next event-loop turn rather than per completion while calls are in flight:
   * results completing in the same turn (a client answering many calls in one I/O callback each)
   * go downstream as one batch.
   */
  private scheduleEmit(): void {
    if (this.paused) return;
    // Once no call is in flight nothing else can complete this turn to join the batch: emit now
    // (or in a microtask while the wrapped writer is busy), so the reader refills the stage in
    // this same turn (as a Promise.all window loop does) rather than one event-loop turn later.
    if (this.inFlight === 0 && this.emitTimer !== undefined) {
      clearImmediate(this.emitTimer);
      this.emitTimer = undefined;
      this.emitQueued = false;
    }
    if (this.emitQueued) return;
    if (this.inFlight === 0 && this.serialPending === 0) {
      // Nothing runs on the wrapped writer: emit now, not a few promise hops later (this is the
      // hand-over between two windows of calls of a fast service, once per `capacity` records).
      let writing: Promise<void> | undefined;
      try {
        writing = this.emitNow();
      } catch (error) {
        this.fail(error);
        return;
      }
      // A wrapped writer that finished synchronously leaves nothing to wait for on `serial`.
      if (writing === undefined) return;
      this.serialPending++;
      this.serial = writing.then(this.serialDone, this.serialFailed);
      return;
    }
    this.emitQueued = true;
    // A promise reaction, not queueMicrotask: Node wraps each queueMicrotask callback in an
    // async resource, which costs as much as a few records do here.
    if (this.inFlight === 0) settled.then(this.emitSoon);
    else this.emitTimer = setImmediate(this.emitSoon);
  }

  private readonly emitSoon = (): void => {
    this.emitTimer = undefined;
    this.serialPending++;
    this.serial = this.serial.then(this.emitNowOnChain).then(this.serialDone, this.serialFailed);
  };

  private readonly emitNowOnChain = (): Promise<void> | undefined => this.emitNow();

  /** Ends an action on `serial`; a failure fails the stage (so the chain itself never rejects). */
  private readonly serialDone = (): void => {
    this.serialPending--;
  };

  private readonly serialFailed = (error: unknown): void => {
    this.serialPending--;
    this.fail(error);
  };

  /**
   * Emits what the queue allows now: results through the operators after the stage, watermarks.
   * Not an async function: this runs once per window of calls, and the common emission (one batch,
   * one write) returns the wrapped writer's own promise instead of wrapping it in another one.
   * Returns undefined when nothing is left to wait for; a synchronous throw is the caller's.
   */
  private emitNow(): Promise<void> | undefined {
    this.emitQueued = false;
    if (this.paused || this.failure !== undefined) return undefined;
    const emissions = this.queue.drain();
    if (emissions.length === 0) return undefined;
    this.wake();
    return this.emitFrom(emissions, 0);
  }

  /** Hands `emissions[from..]` to the wrapped writer in order, each after the previous one finished. */
  private emitFrom(emissions: readonly AsyncEmission<R>[], from: number): Promise<void> | undefined {
    for (let i = from; i < emissions.length; i++) {
      const writing = this.emitOne(emissions[i] as AsyncEmission<R>);
      if (writing === undefined) continue;
      if (i === emissions.length - 1) return writing;
      return writing.then(() => this.emitFrom(emissions, i + 1));
    }
    return undefined;
  }

  /** One emission into the wrapped writer: its promise, or undefined if it returned none. */
  private emitOne(emission: AsyncEmission<R>): Promise<void> | undefined {
    if (emission.kind === 'watermark') {
      this.watermark = emission.watermark;
      return toPromise(this.inner.writeWatermark?.(emission.watermark));
    }
    const out =
      this.after.length === 0
        ? emission
        : runChain(this.after, emission, {
            subtaskId: this.ctx.subtaskId,
            currentWatermark: () => this.watermark,
          });
    if (out.values.length === 0) return undefined;
    this.innerCtx.timestamps = out.timestamps;
    return toPromise(this.inner.write(out.values, this.innerCtx));
  }

  private resume(): void {
    this.throwIfFailed();
    if (!this.paused) return;
    this.paused = false;
    this.scheduleEmit();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.wake();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Waits until the queue has room (a result was emitted) or the stage failed; the caller checks
   * which (one promise per wait: this sits between every two windows of calls).
   */
  private room(): Promise<void> {
    this.throwIfFailed();
    return new Promise<void>((resolve) => {
      this.roomWaiter = resolve;
    });
  }

  /** Waits for the next emission (or failure); the caller checks which. */
  private idle(): Promise<void> {
    this.throwIfFailed();
    const idle = new Promise<void>((resolve) => {
      this.idleWaiter = resolve;
    });
    // After the waiter is set: the emission may run (and wake it) right away.
    this.scheduleEmit();
    return idle;
  }

  private wake(): void {
    const room = this.roomWaiter;
    const idle = this.idleWaiter;
    this.roomWaiter = undefined;
    this.idleWaiter = undefined;
    room?.();
    idle?.();
  }
}
