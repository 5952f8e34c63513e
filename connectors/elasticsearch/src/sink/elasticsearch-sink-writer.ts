import type { Client } from '@elastic/elasticsearch';
import {
  AIMDScalingStrategy,
  AsyncSinkWriter,
  type BufferedRequestState,
  CongestionControlRateLimitingStrategy,
  type DeadLetterHandler,
  TributaryError,
  type WriterInitContext,
} from '@tributary/core';
import { requestFailed, statusOf } from '../client/elasticsearch-client.js';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import { type BulkEntry, bulkEntryConverter } from './bulk-entry.js';
import {
  type BulkResponseItem,
  classifyItem,
  entriesToRetry,
  type ItemOutcome,
} from './bulk-item-outcome.js';
import { documentOf, type ElasticsearchDeadLetterHandler } from './elasticsearch-dead-letter.js';
import { emitPhaseMarker } from './elasticsearch-phase-markers.js';
import type { ResolvedElasticsearchSinkOptions } from './elasticsearch-sink-options.js';

/** Why an entry was refused for good, kept until the failure policy has handled it. */
interface Refusal {
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

/**
 * Sends bulk requests and reads every item of the response: throttled and 5xx items go back to
 * the async sink base for a retry with backoff; items refused for good go to the failure policy
 * (fail / dead-letter / skip-and-count); a request too large for the server (413) is split.
 */
export class ElasticsearchSinkWriter<T> extends AsyncSinkWriter<T, BulkEntry> {
  private readonly refusals: WeakMap<BulkEntry, Refusal>;
  private readonly ignoreVersionConflicts: boolean;

  constructor(
    private readonly client: Client,
    private readonly options: ResolvedElasticsearchSinkOptions,
    context: WriterInitContext,
    restoredState: readonly BufferedRequestState<BulkEntry>[],
    deadLetter: ElasticsearchDeadLetterHandler | undefined,
  ) {
    const converter = bulkEntryConverter(options);
    const refusals = new WeakMap<BulkEntry, Refusal>();
    super({
      context,
      options: {
        maxBatchSize: options.maxBatchSize,
        maxBatchSizeInBytes: options.maxBatchSizeInBytes,
        maxRecordSizeInBytes: options.maxRecordSizeInBytes,
        maxBufferedRequests: options.maxBufferedRequests,
        maxInFlightRequests: options.maxInFlightRequests,
        maxTimeInBufferMs: options.maxTimeInBufferMs,
        maxRetriesPerEntry: options.maxRetriesPerEntry,
        retryInitialDelayMs: options.retryInitialDelayMs,
        retryMaxDelayMs: options.retryMaxDelayMs,
        retryBackoffMultiplier: options.retryBackoffMultiplier,
        retryJitter: options.retryJitter,
      },
      restoredState,
      // Start with the whole window open (maxInFlightRequests full batches): the core default
      // starts at one batch and grows by 10 entries per request, so a second request in flight
      // would come only after ~100 requests. Item-level 429s still halve it (AIMD).
      rateLimitingStrategy: new CongestionControlRateLimitingStrategy({
        maxInFlightRequests: options.maxInFlightRequests,
        initialMaxInFlightMessages: options.maxBatchSize * options.maxInFlightRequests,
        scalingStrategy: new AIMDScalingStrategy({
          rateThreshold: options.maxBatchSize * options.maxInFlightRequests,
        }),
      }),
      elementConverter: (record, ctx) => converter(record, ctx),
      ...(options.onItemError === 'fail'
        ? {}
        : { deadLetter: policyHandler(options.onItemError, deadLetter, context, refusals) }),
    });
    this.refusals = refusals;
    this.ignoreVersionConflicts = options.versionConflicts === 'ignore';
  }

  protected override async submitRequestEntries(
    entries: readonly BulkEntry[],
  ): Promise<readonly BulkEntry[]> {
    const outcomes = await this.sendBulk(entries);
    await emitPhaseMarker('bulk-acknowledged', entries.length);
    const rejected: BulkEntry[] = [];
    let first: { entry: BulkEntry; refusal: Refusal } | undefined;
    for (let i = 0; i < entries.length; i++) {
      const outcome = outcomes[i] as ItemOutcome;
      if (outcome.kind !== 'reject') continue;
      const entry = entries[i] as BulkEntry;
      const refusal = { status: outcome.status, type: outcome.type, reason: outcome.reason };
      this.refusals.set(entry, refusal);
      rejected.push(entry);
      first ??= { entry, refusal };
    }
    if (first !== undefined) {
      const { entry, refusal } = first;
      const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more item(s))` : '';
      await this.rejectEntries(
        rejected,
        new TributaryError(
          ElasticsearchErrorCodes.ITEM_REJECTED,
          `Elasticsearch refused the ${entry.op} of ${describe(entry)} (HTTP ${refusal.status}) ${refusal.type}: ${refusal.reason}${more}`,
          {
            context: {
              index: entry.index,
              ...(entry.id === undefined ? {} : { id: entry.id }),
              status: refusal.status,
              type: refusal.type,
              items: rejected.length,
            },
          },
        ),
      );
    }
    return entriesToRetry(entries, outcomes);
  }

  protected override getSizeInBytes(entry: BulkEntry): number {
    return Buffer.byteLength(entry.lines);
  }

  override async flush(endOfInput: boolean): Promise<void> {
    await super.flush(endOfInput);
    await emitPhaseMarker('flushed', 0);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.client.close();
  }

  /** One bulk request; on 413 the batch is split in halves, sent one after the other. */
  private async sendBulk(entries: readonly BulkEntry[]): Promise<ItemOutcome[]> {
    let items: BulkResponseItem[];
    try {
      let body = '';
      for (const entry of entries) body += entry.lines;
      // The lines are ready NDJSON: hand them to the transport as they are (no re-serialization).
      const response = (await this.client.transport.request(
        { method: 'POST', path: '/_bulk', querystring: { refresh: this.options.refresh }, bulkBody: body },
        { signal: this.signal },
      )) as { items: BulkResponseItem[] };
      items = response.items;
    } catch (error) {
      if (statusOf(error) !== 413) throw requestFailed('bulk request', error);
      if (entries.length === 1) {
        return [
          {
            kind: 'reject',
            status: 413,
            type: 'request_entity_too_large',
            reason: 'the document alone is larger than the server accepts (http.max_content_length)',
          },
        ];
      }
      const half = Math.ceil(entries.length / 2);
      this.logger.warn({ entries: entries.length }, 'bulk request too large (HTTP 413); splitting it');
      const head = await this.sendBulk(entries.slice(0, half));
      return head.concat(await this.sendBulk(entries.slice(half)));
    }
    return entries.map((entry, i) => classifyItem(entry, items[i], this.ignoreVersionConflicts));
  }
}

function describe(entry: BulkEntry): string {
  return entry.id === undefined ? `a document in [${entry.index}]` : `[${entry.index}][${entry.id}]`;
}

/** The async sink's dead-letter hook, carrying out `dead-letter` or `skip-and-count`. */
function policyHandler(
  policy: 'dead-letter' | 'skip-and-count',
  handler: ElasticsearchDeadLetterHandler | undefined,
  context: WriterInitContext,
  refusals: WeakMap<BulkEntry, Refusal>,
): DeadLetterHandler<BulkEntry> {
  const logger = context.logger;
  return async (entry, error) => {
    const refusal = refusals.get(entry);
    const reason = refusal?.reason ?? error.message;
    logger.warn(
      { index: entry.index, id: entry.id, op: entry.op, status: refusal?.status, code: error.code, reason },
      policy === 'skip-and-count'
        ? 'bulk item skipped (onItemError skip-and-count)'
        : 'bulk item dead-lettered',
    );
    if (policy === 'skip-and-count' || handler === undefined) return;
    const document = documentOf(entry);
    await handler({
      kind: 'elasticsearch-dead-letter',
      op: entry.op,
      index: entry.index,
      ...(entry.id === undefined ? {} : { id: entry.id }),
      ...(document === undefined ? {} : { document }),
      ...(refusal === undefined ? {} : { status: refusal.status }),
      error: { code: error.code, ...(refusal === undefined ? {} : { type: refusal.type }), reason },
    });
  };
}
