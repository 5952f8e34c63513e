import type { Client } from '@elastic/elasticsearch';
import type { Logger, SourceReaderMetricGroup } from '@tributary/core';
import {
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SplitReader,
  type SplitsChange,
  TributaryError,
} from '@tributary/core';
import { requestFailed, statusOf } from '../client/elasticsearch-client.js';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import {
  type ResolvedElasticsearchSourceOptions,
  resumableAcrossPits,
} from './elasticsearch-source-options.js';
import type { PitSliceSplit } from './pit-slice-split.js';

/** One fetched hit, with the position after it and the point in time that produced it. */
export interface FetchedHit {
  readonly _index: string;
  readonly _id: string;
  readonly _source: unknown;
  readonly sort: readonly unknown[];
  readonly pitId: string;
}

interface SlicePosition {
  readonly split: PitSliceSplit;
  pitId: string;
  searchAfter: readonly unknown[] | null;
}

/**
 * Reads its slices page by page with `search_after`, one search per slice per fetch (round
 * robin), each renewing the point in time's keep-alive. A point in time that expired or vanished
 * is replaced by a fresh one and the slice resumes from its position, when the options make
 * positions meaningful across points in time (`sortField`, plus `sliceField` when sliced);
 * otherwise the read fails with `TRIB_ES_PIT_EXPIRED`.
 */
export class PitSliceSplitReader implements SplitReader<FetchedHit, PitSliceSplit> {
  private readonly slices: SlicePosition[] = [];
  private next = 0;
  private readonly sort: Record<string, 'asc'>[];

  constructor(
    private readonly client: Client,
    private readonly options: ResolvedElasticsearchSourceOptions,
    private readonly logger: Logger,
    private readonly metrics: SourceReaderMetricGroup,
  ) {
    this.sort = [options.sortField === undefined ? { _shard_doc: 'asc' } : { [options.sortField]: 'asc' }];
  }

  async fetch(): Promise<RecordsWithSplitIds<FetchedHit>> {
    const position = this.slices[this.next % this.slices.length];
    if (position === undefined) return RecordsBySplits.empty();
    this.next = (this.next + 1) % Math.max(1, this.slices.length);
    const hits = await this.searchPage(position);
    const last = hits[hits.length - 1];
    if (last !== undefined) position.searchAfter = last.sort;
    const finished = hits.length < this.options.pageSize;
    if (finished) this.slices.splice(this.slices.indexOf(position), 1);
    return RecordsBySplits.forSplit(position.split.splitId, hits, finished);
  }

  handleSplitsChanges(change: SplitsChange<PitSliceSplit>): void {
    for (const split of change.splits) {
      const at = this.slices.findIndex((p) => p.split.splitId === split.splitId);
      if (at >= 0) this.slices.splice(at, 1);
      if (change.type === 'add')
        this.slices.push({ split, pitId: split.pitId, searchAfter: split.searchAfter });
    }
  }

  wakeUp(): void {
    // Every fetch is one bounded search: it returns soon on its own.
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async searchPage(position: SlicePosition): Promise<FetchedHit[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.search(position);
      } catch (error) {
        if (!isMissingPit(error) || attempt > 0) throw requestFailed('search', error);
        if (!resumableAcrossPits(this.options)) {
          throw new TributaryError(
            ElasticsearchErrorCodes.PIT_EXPIRED,
            `The point in time of slice ${position.split.slice} expired or vanished, and the read cannot resume in a new one: set sortField (a unique field)${this.options.slices > 1 ? ' and sliceField (a numeric field)' : ''}, or raise pitKeepAliveMs`,
            { context: { slice: position.split.slice, index: this.options.index } },
          );
        }
        // Positions by a unique sort field mean the same in any point in time: resume there.
        const pit = await this.client.openPointInTime({
          index: this.options.index as string | string[],
          keep_alive: `${this.options.pitKeepAliveMs}ms`,
        });
        this.logger.warn(
          { slice: position.split.slice, index: this.options.index },
          'point in time expired; the slice resumes from its position in a fresh one (documents changed since are read as they are now)',
        );
        position.pitId = pit.id;
      }
    }
  }

  private async search(position: SlicePosition): Promise<FetchedHit[]> {
    const { slices, sliceField, pageSize, pitKeepAliveMs, query } = this.options;
    const slice = position.split.slice;
    const { body: response, headers } = await this.client.search(
      {
        pit: { id: position.pitId, keep_alive: `${pitKeepAliveMs}ms` },
        ...(slices > 1
          ? {
              slice: {
                id: String(slice),
                max: slices,
                ...(sliceField === undefined ? {} : { field: sliceField }),
              },
            }
          : {}),
        query: query as never,
        sort: this.sort,
        size: pageSize,
        track_total_hits: false,
        ...(position.searchAfter === null ? {} : { search_after: position.searchAfter as never }),
      },
      { meta: true },
    );
    // Bytes as received; a response without a length (chunked) is counted by its hits' JSON.
    const length = Number(headers['content-length']);
    this.metrics.numBytesIn.inc(
      Number.isFinite(length) ? length : Buffer.byteLength(JSON.stringify(response.hits.hits)),
    );
    const pitId = response.pit_id ?? position.pitId;
    position.pitId = pitId;
    return response.hits.hits.map((hit) => ({
      _index: hit._index,
      _id: hit._id as string,
      _source: hit._source,
      sort: hit.sort as unknown[],
      pitId,
    }));
  }
}

function isMissingPit(error: unknown): boolean {
  if (statusOf(error) !== 404) return false;
  const text = JSON.stringify((error as { body?: unknown }).body ?? '');
  return text.includes('search_context_missing_exception') || text.includes('No search context found');
}
