import {
  type RecordEmitter,
  SingleSplitFetcherManager,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderBaseOptionsInput,
  type SourceReaderContext,
} from '@tributary/core';
import { createElasticsearchClient } from '../client/elasticsearch-client.js';
import type { ResolvedElasticsearchSourceOptions } from './elasticsearch-source-options.js';
import type { ElasticsearchHit, PitSliceSplit, PitSliceState } from './pit-slice-split.js';
import { type FetchedHit, PitSliceSplitReader } from './pit-slice-split-reader.js';

/** Emits a hit as `{ _index, _id, _source }` and moves the slice's position past it. */
export class HitEmitter<T> implements RecordEmitter<FetchedHit, ElasticsearchHit<T>, PitSliceState> {
  emitRecord(hit: FetchedHit, output: SourceOutput<ElasticsearchHit<T>>, state: PitSliceState): void {
    output.collect({ _index: hit._index, _id: hit._id, _source: hit._source as T });
    state.searchAfter = hit.sort;
    state.pitId = hit.pitId;
  }
}

/** The reader of the slices assigned to one subtask (one client, slices read round robin). */
export class ElasticsearchSourceReader<T> extends SourceReaderBase<
  FetchedHit,
  ElasticsearchHit<T>,
  PitSliceSplit,
  PitSliceState
> {
  protected initializedState(split: PitSliceSplit): PitSliceState {
    return { slice: split.slice, slices: split.slices, pitId: split.pitId, searchAfter: split.searchAfter };
  }

  protected toSplitType(splitId: string, state: PitSliceState): PitSliceSplit {
    return {
      splitId,
      ordinal: state.slice,
      slice: state.slice,
      slices: state.slices,
      pitId: state.pitId,
      searchAfter: state.searchAfter,
    };
  }

  protected onSplitFinished(): void {}
}

export function createElasticsearchSourceReader<T>(
  options: ResolvedElasticsearchSourceOptions,
  ctx: SourceReaderContext,
): ElasticsearchSourceReader<T> {
  const readerOptions: SourceReaderBaseOptionsInput = {
    elementQueueCapacity: options.elementQueueCapacity,
    maxRecordsPerPoll: options.maxRecordsPerPoll,
    fetcherCloseTimeoutMs: options.fetcherCloseTimeoutMs,
  };
  return new ElasticsearchSourceReader<T>(
    new SingleSplitFetcherManager(
      () => new PitSliceSplitReader(createElasticsearchClient(options), options, ctx.logger, ctx.metricGroup),
      readerOptions,
      ctx.logger,
    ),
    new HitEmitter<T>(),
    ctx,
    readerOptions,
  );
}
