/**
 * The abort state of a call context whose signal is made on first read: most functions never
 * read it, and an `AbortController` per context costs more than a fast call. Kept as fields of
 * the context itself (no extra object per context); read and abort it with the functions below.
 */
export interface LazyAbort {
  controller: AbortController | undefined;
  abortReason: unknown;
  aborted: boolean;
}

/** The context's signal, made now if it was never read: already aborted if the context or `parent` was. */
export function lazySignal(state: LazyAbort, parent: AbortSignal): AbortSignal {
  if (state.controller === undefined) {
    state.controller = new AbortController();
    if (state.aborted) state.controller.abort(state.abortReason);
    else if (parent.aborted) state.controller.abort(parent.reason);
  }
  return state.controller.signal;
}

/** Aborts the context's signal (now, or when it is first read); the first reason wins. */
export function abortLazy(state: LazyAbort, reason: unknown): void {
  if (state.aborted) return;
  state.aborted = true;
  state.abortReason = reason;
  state.controller?.abort(reason);
}
