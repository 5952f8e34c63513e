import { TributaryError } from '@tributary/core';
import type { ConsumerMessage, MessageId } from '@tributary/pulsar-client';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';

/**
 * Where a split starts reading, resolved by the enumerator (`latest` becomes the last message id
 * at the job's start, so a restart before the first checkpoint reads the same messages).
 * Message ids are text (`ledgerId:entryId:batchIndex:batchSize`): checkpoints are JSON.
 */
export type SplitStart =
  | { readonly kind: 'earliest' }
  /** After this message (a checkpointed position, or the resolved `latest`). */
  | { readonly kind: 'after'; readonly messageId: string }
  /** At this message, inclusive (a `startCursor: { messageId }`). */
  | { readonly kind: 'at'; readonly messageId: string }
  /** The first message published at or after this time (ms since the epoch). */
  | { readonly kind: 'publishTime'; readonly publishTime: number };

/** Where a bounded split ends; `at…` excludes the position, `after…` includes it. */
export type SplitStop =
  | { readonly kind: 'atMessageId' | 'afterMessageId'; readonly messageId: string }
  | {
      readonly kind: 'atPublishTime' | 'afterPublishTime' | 'atEventTime' | 'afterEventTime';
      readonly time: number;
    }
  /** `latest` on a partition that had no message when the job started: nothing to read. */
  | { readonly kind: 'empty' };

/** `12:34`, `12:34:5` or `12:34:5:10` (ledger, entry, batch index, batch size) → MessageId. */
export function parseMessageId(text: string, partition = -1): MessageId {
  const parts = text.split(':');
  const valid = parts.length >= 2 && parts.length <= 4 && parts.every((p) => /^-?\d+$/.test(p));
  if (!valid) {
    throw new TributaryError(
      PulsarSourceErrorCodes.INVALID_MESSAGE_ID,
      `"${text}" is not a Pulsar message id: expected ledgerId:entryId[:batchIndex[:batchSize]]`,
      { context: { messageId: text } },
    );
  }
  return {
    ledgerId: BigInt(parts[0] as string),
    entryId: BigInt(parts[1] as string),
    partition,
    batchIndex: parts[2] === undefined ? -1 : Number(parts[2]),
    batchSize: parts[3] === undefined ? 0 : Number(parts[3]),
  };
}

/** The checkpoint form of a message id (see {@link parseMessageId}). */
export function formatMessageId(id: MessageId): string {
  return `${id.ledgerId}:${id.entryId}:${id.batchIndex}:${id.batchSize}`;
}

/**
 * Orders `id` against a bound. A bound without batch index (`batchIndex < 0`, e.g. a last
 * message id the broker reported per entry) stands for its whole entry, so every message of that
 * entry compares equal to it.
 */
export function compareToBound(id: MessageId, bound: MessageId): number {
  if (id.ledgerId !== bound.ledgerId) return id.ledgerId < bound.ledgerId ? -1 : 1;
  if (id.entryId !== bound.entryId) return id.entryId < bound.entryId ? -1 : 1;
  if (bound.batchIndex < 0 || id.batchIndex < 0) return 0;
  return id.batchIndex - bound.batchIndex;
}

/** True for the last message of its entry (a non-batched message is its own entry). */
function endsEntry(id: MessageId): boolean {
  return id.batchIndex < 0 || id.batchIndex >= id.batchSize - 1;
}

/**
 * A split reader's start filter: drops messages before the start (the broker positions a seek
 * on the entry, so the rest of a half-read batch, or the resume entry itself, comes again).
 */
export function startFilter(start: SplitStart): (id: MessageId) => boolean {
  if (start.kind === 'earliest' || start.kind === 'publishTime') return () => true;
  const bound = parseMessageId(start.messageId);
  if (start.kind === 'at') return (id) => compareToBound(id, bound) >= 0;
  // A bound per entry (batch index unknown) means "after the whole entry".
  return (id) => compareToBound(id, bound) > 0;
}

/** What a stop cursor says about one message. */
export type StopVerdict = 'read' | 'read-and-stop' | 'stop-before';

/** What a stop check reads of a message (a whole entry's envelope gives all but the event time). */
export type StopProbe = Pick<ConsumerMessage, 'messageId' | 'publishTime' | 'eventTime'>;

/** A split reader's stop check, or `undefined` for an unbounded split. */
export function stopCheck(stop: SplitStop | undefined): ((m: StopProbe) => StopVerdict) | undefined {
  if (stop === undefined) return undefined;
  switch (stop.kind) {
    case 'empty':
      return () => 'stop-before';
    case 'atMessageId': {
      const bound = parseMessageId(stop.messageId);
      return (m) => (compareToBound(m.messageId, bound) >= 0 ? 'stop-before' : 'read');
    }
    case 'afterMessageId': {
      const bound = parseMessageId(stop.messageId);
      return (m) => {
        const c = compareToBound(m.messageId, bound);
        if (c > 0) return 'stop-before';
        if (c < 0) return 'read';
        // Equal: the bound itself, or (per-entry bound) a message of its entry.
        return bound.batchIndex >= 0 || endsEntry(m.messageId) ? 'read-and-stop' : 'read';
      };
    }
    case 'atPublishTime':
      return (m) => (m.publishTime >= stop.time ? 'stop-before' : 'read');
    case 'afterPublishTime':
      return (m) => (m.publishTime > stop.time ? 'stop-before' : 'read');
    case 'atEventTime':
      return (m) => (m.eventTime >= stop.time ? 'stop-before' : 'read');
    case 'afterEventTime':
      return (m) => (m.eventTime > stop.time ? 'stop-before' : 'read');
  }
}

/** True when a split starting at `start` has nothing left before `stop` (it ends at once). */
export function startsAtOrPastStop(start: SplitStart, stop: SplitStop | undefined): boolean {
  if (stop === undefined) return false;
  if (stop.kind === 'empty') return true;
  if (start.kind !== 'after' || (stop.kind !== 'afterMessageId' && stop.kind !== 'atMessageId')) return false;
  const from = parseMessageId(start.messageId);
  const bound = parseMessageId(stop.messageId);
  const c = compareToBound(from, bound);
  if (stop.kind === 'atMessageId') return c >= 0;
  return c > 0 || (c === 0 && (bound.batchIndex >= 0 || endsEntry(from)));
}
