import { expect, it } from 'vitest';
import type {
  SourceEvents,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from './source.js';

/**
 * `SourceEvents<ToReader, ToEnumerator>` types both directions of a source's custom events, so an
 * enumerator and its readers are checked against each other. The `@ts-expect-error` lines are
 * checked by `pnpm typecheck`: each must be an error, or the typecheck fails.
 */
type Finished = { readonly type: 'finished'; readonly splitIds: readonly string[] };
type Ack = { readonly type: 'ack'; readonly splitIds: readonly string[] };
type Events = SourceEvents<Ack, Finished>;

/** An enumerator that acknowledges every `finished` report (the Kinesis source's pattern). */
class AckingEnumerator implements SplitEnumerator<SourceSplit, null, Events> {
  readonly finished: string[] = [];
  constructor(private readonly ctx: SplitEnumeratorContext<SourceSplit, Events>) {}
  start(): void {}
  handleSplitRequest(): void {}
  addSplitsBack(): void {}
  addReader(): void {}
  snapshotState(): null {
    return null;
  }
  handleSourceEvent(subtaskId: number, event: Finished): void {
    this.finished.push(...event.splitIds);
    this.ctx.sendEventToSourceReader(subtaskId, { type: 'ack', splitIds: event.splitIds });
  }

  /** Never called: only type-checked. */
  typeErrors(): void {
    // @ts-expect-error a reader-bound event must be an Ack, not the reader's own report
    this.ctx.sendEventToSourceReader(0, { type: 'finished', splitIds: [] });
  }
  async close(): Promise<void> {}
}

it('types source events in both directions', () => {
  const toReaders: { subtask: number; event: Ack }[] = [];
  const ctx = {
    sendEventToSourceReader: (subtask: number, event: Ack) => toReaders.push({ subtask, event }),
  } as unknown as SplitEnumeratorContext<SourceSplit, Events>;
  const enumerator = new AckingEnumerator(ctx);
  enumerator.handleSourceEvent(1, { type: 'finished', splitIds: ['a', 'b'] });
  expect(enumerator.finished).toEqual(['a', 'b']);
  expect(toReaders).toEqual([{ subtask: 1, event: { type: 'ack', splitIds: ['a', 'b'] } }]);

  const sentByReader: Finished[] = [];
  const readerCtx = {
    sendSourceEventToCoordinator: (event: Finished) => sentByReader.push(event),
  } as unknown as SourceReaderContext<Events>;
  readerCtx.sendSourceEventToCoordinator({ type: 'finished', splitIds: ['c'] });
  expect(sentByReader).toEqual([{ type: 'finished', splitIds: ['c'] }]);
});

/** Never called: only type-checked. */
export function readerTypeErrors(readerCtx: SourceReaderContext<Events>): void {
  // @ts-expect-error an enumerator-bound event must be a Finished report
  readerCtx.sendSourceEventToCoordinator({ type: 'ack', splitIds: ['c'] });
  // @ts-expect-error events are typed: a misspelt field is caught
  readerCtx.sendSourceEventToCoordinator({ type: 'finished', splitId: ['c'] });
}
