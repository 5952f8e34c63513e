import { type KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import {
  AIMDScalingStrategy,
  AsyncSinkWriter,
  asyncSinkWriterOptionsShape,
  type BufferedRequestState,
  CongestionControlRateLimitingStrategy,
  type DeadLetterHandler,
  hasErrorCode,
  TributaryError,
  type WriterInitContext,
} from '@tributary/core';
import { isRetriableKinesisError } from '../client/kinesis-errors.js';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';
import { type KinesisPutEntry, putEntrySize } from './kinesis-put-entry.js';
import type { KinesisRecordSerializer } from './kinesis-record-serializer.js';
import type { ResolvedKinesisSinkOptions } from './kinesis-sink-options.js';

/**
 * Writes records with PutRecords on the core {@link AsyncSinkWriter}: batching by count and
 * bytes, requests in flight, AIMD rate limiting and backoff come from the base. A partial
 * failure (throttled or internally failed entries) hands back only the failed entries, in
 * order; with `failOnError` any rejected entry fails the job instead. A whole request that
 * fails with throttling, a 5xx or a dropped connection is retried; anything else (missing
 * stream, access denied, validation) is fatal.
 */
export class KinesisSinkWriter<T> extends AsyncSinkWriter<T, KinesisPutEntry> {
  private readonly target: { StreamName: string } | { StreamARN: string };

  constructor(
    private readonly client: KinesisClient,
    private readonly options: ResolvedKinesisSinkOptions,
    serializer: KinesisRecordSerializer<T>,
    context: WriterInitContext,
    restoredState: readonly BufferedRequestState<KinesisPutEntry>[],
    deadLetter: DeadLetterHandler<KinesisPutEntry> | undefined,
  ) {
    super({
      context,
      options: asyncWriterOptions(options),
      restoredState,
      elementConverter: (record, ctx) => serializer(record, ctx.index),
      classifyError: (error) =>
        hasErrorCode(error, KinesisErrorCodes.PUT_FAILED) || !isRetriableKinesisError(error)
          ? 'fatal'
          : 'retry',
      ...(deadLetter === undefined ? {} : { deadLetter }),
      rateLimitingStrategy: new CongestionControlRateLimitingStrategy({
        maxInFlightRequests: options.maxInFlightRequests,
        initialMaxInFlightMessages: options.initialMaxInFlightRecords ?? options.maxBatchSize,
        scalingStrategy: new AIMDScalingStrategy({
          rateThreshold: options.maxBatchSize * options.maxInFlightRequests,
        }),
      }),
    });
    this.target =
      options.streamArn !== undefined
        ? { StreamARN: options.streamArn }
        : { StreamName: options.streamName as string };
  }

  protected override async submitRequestEntries(
    entries: readonly KinesisPutEntry[],
  ): Promise<readonly KinesisPutEntry[]> {
    const response = await this.client.send(
      new PutRecordsCommand({
        ...this.target,
        Records: entries.map((e) => ({
          Data: e.data,
          PartitionKey: e.partitionKey,
          ...(e.explicitHashKey === undefined ? {} : { ExplicitHashKey: e.explicitHashKey }),
        })),
      }),
      { abortSignal: this.signal },
    );
    if (!response.FailedRecordCount) return [];
    const results = response.Records ?? [];
    const failed: KinesisPutEntry[] = [];
    let first: PutRecordsResultEntry | undefined;
    for (let i = 0; i < entries.length; i++) {
      const result = results[i];
      if (result?.ErrorCode === undefined && result?.SequenceNumber !== undefined) continue;
      first ??= result;
      failed.push(entries[i] as KinesisPutEntry);
    }
    if (this.options.failOnError && failed.length > 0) {
      throw new TributaryError(
        KinesisErrorCodes.PUT_FAILED,
        `PutRecords rejected ${failed.length} of ${entries.length} records (first: ${first?.ErrorCode ?? 'no result'}: ${first?.ErrorMessage ?? ''}) and failOnError is set`,
        {
          context: {
            failed: failed.length,
            entries: entries.length,
            errorCode: first?.ErrorCode,
            ...this.target,
          },
        },
      );
    }
    return failed;
  }

  protected override getSizeInBytes(entry: KinesisPutEntry): number {
    return putEntrySize(entry);
  }

  override async close(): Promise<void> {
    await super.close();
    this.client.destroy();
  }
}

/** The async writer's own keys of the sink options (its schema is strict). */
function asyncWriterOptions(options: ResolvedKinesisSinkOptions): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(asyncSinkWriterOptionsShape))
    picked[key] = options[key as keyof ResolvedKinesisSinkOptions];
  return picked;
}
