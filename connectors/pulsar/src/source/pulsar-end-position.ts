import { TributaryError } from '@tributary/core';
import type { SplitStop } from './pulsar-positions.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';
import type { PulsarStartCursor } from './pulsar-source-options.js';

/**
 * Where a bounded {@link PulsarSource} ended (its enumerator's `endPosition()`, handed to the
 * next source of a `HybridSource`): the resolved stop of every partition it read.
 */
export interface PulsarEndPosition {
  readonly stops: Readonly<Record<string, SplitStop>>;
}

/**
 * The start cursor that continues right where `end` stopped, for the next `PulsarSource` of a
 * hybrid source: message-id stops continue at (`at…`) or after (`after…`) the id per partition
 * (partitions that were empty start at the earliest message), publish-time stops at the first
 * message the stop excluded. Event-time stops have no start cursor (Pulsar cannot seek by
 * event time): a typed error says so.
 */
export function startCursorAfter(end: PulsarEndPosition): PulsarStartCursor {
  const stops = Object.entries(end.stops).filter(([, stop]) => stop.kind !== 'empty');
  const first = stops[0]?.[1];
  if (first === undefined) return 'earliest';
  if (first.kind === 'atPublishTime') return { publishTime: first.time };
  if (first.kind === 'afterPublishTime') return { publishTime: first.time + 1 };
  if (first.kind === 'atMessageId' || first.kind === 'afterMessageId') {
    const ids: Record<string, string> = {};
    for (const [topic, stop] of stops) if ('messageId' in stop) ids[topic] = stop.messageId;
    return { messageId: ids, inclusive: first.kind === 'atMessageId' };
  }
  throw new TributaryError(
    PulsarSourceErrorCodes.UNSUPPORTED_POSITION,
    `A source that stopped by event time (${first.kind}) has no start cursor to continue from: Pulsar seeks by message id or publish time only`,
    { context: { stop: first.kind } },
  );
}
