import {
  jsonSerializer,
  type Source,
  type SourceReaderContext,
  type SplitEnumeratorContext,
} from '@tributary/core';
import {
  ElasticsearchSourceOptions,
  type ElasticsearchSourceOptionsInput,
  type ResolvedElasticsearchSourceOptions,
} from './elasticsearch-source-options.js';
import {
  createElasticsearchSourceReader,
  type ElasticsearchSourceReader,
} from './elasticsearch-source-reader.js';
import { PitSliceEnumerator, type PitSliceEnumeratorState } from './pit-slice-enumerator.js';
import type { ElasticsearchHit, PitSliceSplit } from './pit-slice-split.js';

/**
 * A bounded read of an index (pattern, alias) with a query, as of one point in time: sliced
 * for parallelism (one split per slice), each slice's `search_after` position checkpointed so a
 * restore goes on where it stopped. Emits `{ _index, _id, _source }`.
 */
export class ElasticsearchSource<T = Record<string, unknown>>
  implements Source<ElasticsearchHit<T>, PitSliceSplit, PitSliceEnumeratorState>
{
  readonly boundedness = 'bounded' as const;
  readonly splitSerializer = jsonSerializer<PitSliceSplit>({ name: 'PitSliceSplit' });
  readonly enumeratorStateSerializer = jsonSerializer<PitSliceEnumeratorState>({
    name: 'PitSliceEnumeratorState',
  });
  private readonly options: ResolvedElasticsearchSourceOptions;

  constructor(options: ElasticsearchSourceOptionsInput) {
    this.options = ElasticsearchSourceOptions.parse(options);
  }

  createEnumerator(ctx: SplitEnumeratorContext<PitSliceSplit>): PitSliceEnumerator {
    return new PitSliceEnumerator(ctx, this.options, undefined);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<PitSliceSplit>,
    state: PitSliceEnumeratorState,
  ): PitSliceEnumerator {
    return new PitSliceEnumerator(ctx, this.options, state);
  }

  createReader(ctx: SourceReaderContext): ElasticsearchSourceReader<T> {
    return createElasticsearchSourceReader<T>(this.options, ctx);
  }
}
