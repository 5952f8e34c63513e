import type { SourceSplit, SplitEnumeratorContext } from '../../api/source.js';

/**
 * The promise-like result of {@link callAsyncResult}. Unlike a plain promise, the callbacks given
 * to `then` run **on the enumerator's serialized loop** (inside the `callAsync` handler), so they
 * may mutate enumerator state like any enumerator method. A failure without an `onError`
 * callback fails the job, as an error thrown by a `callAsync` handler does.
 */
export interface LoopResult<R> extends PromiseLike<R> {
  then<A = R, B = never>(
    onResult?: ((result: R) => A | PromiseLike<A>) | null,
    onError?: ((error: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B>;
}

interface Settled<R> {
  readonly ok: boolean;
  readonly result: R | undefined;
  readonly error: unknown;
}

/**
 * `ctx.callAsync(task, handler)` with a promise-like result instead of a Node-style callback:
 *
 * ```ts
 * callAsyncResult(this.ctx, () => admin.listTopics()).then(
 *   (topics) => this.assign(topics), // on the enumerator loop
 *   (error) => this.ctx.logger.warn({ err: error }, 'discovery failed'),
 * );
 * ```
 *
 * The task runs once, however many times `then` is called. Chaining further (`.then().then()`)
 * returns plain promises: only the callbacks of the first `then` run on the loop. Periodic tasks
 * keep using `ctx.callAsync` with a handler.
 */
export function callAsyncResult<R>(
  ctx: Pick<SplitEnumeratorContext<SourceSplit>, 'callAsync' | 'runInCoordinatorThread'>,
  task: () => Promise<R>,
): LoopResult<R> {
  let settled: Settled<R> | undefined;
  const listeners: ((s: Settled<R>) => void)[] = [];
  ctx.callAsync(task, (result, error) => {
    const outcome: Settled<R> = { ok: error === undefined, result, error };
    settled = outcome;
    // Nobody asked for the outcome: a failure must not vanish (the loop fails the job).
    if (listeners.length === 0 && !outcome.ok) throw error;
    for (const listener of listeners.splice(0)) listener(outcome);
  });
  return {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose (PromiseLike, so `await` works).
    then<A = R, B = never>(
      onResult?: ((result: R) => A | PromiseLike<A>) | null,
      onError?: ((error: unknown) => B | PromiseLike<B>) | null,
    ): Promise<A | B> {
      return new Promise<A | B>((resolve, reject) => {
        // Runs inside the handler (or a later loop action): on the serialized loop.
        const apply = (s: Settled<R>) => {
          if (s.ok) {
            resolve(onResult ? onResult(s.result as R) : (s.result as A));
          } else if (onError) {
            resolve(onError(s.error));
          } else {
            reject(s.error);
            throw s.error; // fails the job through the loop's error handler
          }
        };
        const guarded = (s: Settled<R>) => {
          try {
            apply(s);
          } catch (error) {
            reject(error);
            throw error;
          }
        };
        if (settled) {
          const s = settled;
          ctx.runInCoordinatorThread(() => guarded(s));
        } else listeners.push(guarded);
      });
    },
  };
}
