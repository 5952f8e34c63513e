import { isRetriable, type Logger, retry, TributaryError, toError } from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaRecordBytes, KafkaRecordDeserializer } from './kafka-record-deserializer.js';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';

/** One partition's records of a fetch, in offset order. */
export interface FetchedRange<R extends KafkaRecordBytes & { readonly offset: string }> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly R[];
}

type PreparerOptions = Pick<
  ResolvedKafkaSourceOptions,
  'retries' | 'initialRetryTimeMs' | 'maxRetryTimeMs' | 'onDeserializationError'
>;

/**
 * Runs {@link KafkaRecordDeserializer.prepare} on a fetch before its records go to the emitter,
 * so `deserialize` (synchronous, per record) finds what it needs, e.g. writer schemas loaded from
 * a schema registry.
 *
 * Failure policy, because a batch-level failure names no record:
 * - **Transient** (`retriable` anywhere in the `cause` chain, e.g. the registry is down): retried
 *   with the fetch backoff (`retries`, `initialRetryTimeMs`, `maxRetryTimeMs`), then the fetch
 *   fails with a retriable `TRIB_KAFKA_PREPARE_FAILED` and the job restarts from its checkpoint.
 *   Never skipped, whatever `onDeserializationError` says: an outage must not drop good records.
 * - **Permanent** (e.g. a schema id the registry does not know): with `onDeserializationError:
 *   'fail'` the fetch fails with `TRIB_KAFKA_PREPARE_FAILED`. With `'skip'` the records are
 *   prepared one by one, so every record that can be prepared is; those that cannot then fail in
 *   `deserialize` and are skipped and counted there, each named by its offset.
 */
export class KafkaBatchPreparer {
  constructor(
    private readonly prepareRecords: NonNullable<KafkaRecordDeserializer<unknown>['prepare']>,
    private readonly options: PreparerOptions,
    private readonly signal: AbortSignal,
    private readonly logger: Logger,
  ) {}

  async prepare<R extends KafkaRecordBytes & { readonly offset: string }>(
    ranges: readonly FetchedRange<R>[],
  ): Promise<void> {
    const records =
      ranges.length === 1 ? (ranges[0] as FetchedRange<R>).records : ranges.flatMap((r) => r.records);
    if (records.length === 0) return;
    try {
      await this.prepareWithRetry(records);
      return;
    } catch (error) {
      if (this.options.onDeserializationError === 'fail' || isTransient(error))
        throw prepareFailed(error, ranges);
      this.logger.warn(
        { err: prepareFailed(error, ranges) },
        'preparing a Kafka fetch failed; preparing its records one by one to skip only those that fail',
      );
    }
    try {
      // A record left unprepared fails in deserialize, where 'skip' counts it by its offset.
      await prepareEachRecord(records, (record) => this.prepareWithRetry([record]));
    } catch (error) {
      throw prepareFailed(error, ranges);
    }
  }

  private prepareWithRetry(records: readonly KafkaRecordBytes[]): Promise<void> {
    return retry(() => this.prepareRecords(records), {
      maxAttempts: this.options.retries + 1,
      initialDelayMs: this.options.initialRetryTimeMs,
      maxDelayMs: this.options.maxRetryTimeMs,
      signal: this.signal,
      operation: 'Kafka record batch prepare',
      isRetriable: isTransient,
      onRetry: (error, attempt, delayMs) =>
        this.logger.debug({ err: error, attempt, delayMs }, 'preparing a Kafka fetch failed; retrying'),
    });
  }
}

/**
 * Prepares `records` one at a time after a permanent batch failure, so only the records that
 * cannot be prepared stay unprepared (and fail later, in `deserialize`). A transient failure still
 * ends the loop: it says nothing about the records.
 */
export async function prepareEachRecord<R>(
  records: readonly R[],
  prepareOne: (record: R) => Promise<void>,
): Promise<void> {
  for (const record of records) {
    try {
      await prepareOne(record);
    } catch (error) {
      if (isTransient(error)) throw error;
    }
  }
}

/**
 * True when the error or one of its causes says retrying may help. Walks the chain because
 * schemas wrap: a registry client's own `retry()` gives up with a non-retriable
 * `TRIB_RETRIES_EXHAUSTED` whose cause is the retriable outage.
 */
export function isTransient(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== null && current !== undefined && depth < 16; depth++) {
    if (isRetriable(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: number;
  readonly toOffset: number;
}

function prepareFailed<R extends KafkaRecordBytes & { readonly offset: string }>(
  cause: unknown,
  ranges: readonly FetchedRange<R>[],
): TributaryError {
  const named: OffsetRange[] = [];
  for (const { topic, partition, records } of ranges) {
    const first = records[0];
    const last = records[records.length - 1];
    if (first === undefined || last === undefined) continue;
    named.push({ topic, partition, fromOffset: Number(first.offset), toOffset: Number(last.offset) });
  }
  const where = named.map((r) => `${r.topic}-${r.partition}@${r.fromOffset}..${r.toOffset}`).join(', ');
  const only = named.length === 1 ? named[0] : undefined;
  return new TributaryError(
    KafkaErrorCodes.PREPARE_FAILED,
    `Kafka records ${where} could not be prepared for deserialization: ${toError(cause).message}`,
    { cause, retriable: isTransient(cause), context: { ...only, ranges: named } },
  );
}
