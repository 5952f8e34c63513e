import { hasErrorCode } from '@tributary/core';
import type { ConsumerMessage, MessageId } from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import {
  compareToBound,
  formatMessageId,
  parseMessageId,
  startFilter,
  startsAtOrPastStop,
  stopCheck,
} from './pulsar-positions.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';

const id = (ledger: number, entry: number, batchIndex = -1, batchSize = 0): MessageId => ({
  ledgerId: BigInt(ledger),
  entryId: BigInt(entry),
  partition: -1,
  batchIndex,
  batchSize,
});

const message = (messageId: MessageId, times: { publishTime?: number; eventTime?: number } = {}) =>
  ({ messageId, publishTime: times.publishTime ?? 0, eventTime: times.eventTime ?? 0 }) as ConsumerMessage;

describe('message id text', () => {
  it('round-trips ledger, entry, batch index and size, and accepts the short forms', () => {
    expect(parseMessageId(formatMessageId(id(12, 34, 5, 10)))).toEqual(id(12, 34, 5, 10));
    expect(parseMessageId('7:8')).toEqual(id(7, 8));
    expect(parseMessageId('7:8:2')).toEqual(id(7, 8, 2));
  });

  it('rejects anything else with a typed error naming the text', () => {
    for (const bad of ['7', '7:x', '1:2:3:4:5', '']) {
      let caught: unknown;
      try {
        parseMessageId(bad);
      } catch (error) {
        caught = error;
      }
      expect(hasErrorCode(caught, PulsarSourceErrorCodes.INVALID_MESSAGE_ID)).toBe(true);
      expect(String(caught)).toContain(`"${bad}"`);
    }
  });
});

describe('compareToBound', () => {
  it('orders by ledger, entry, then batch index; a bound without batch index covers its entry', () => {
    expect(compareToBound(id(1, 5), id(2, 0))).toBeLessThan(0);
    expect(compareToBound(id(2, 6), id(2, 5))).toBeGreaterThan(0);
    expect(compareToBound(id(2, 5, 3, 10), id(2, 5, 4, 10))).toBeLessThan(0);
    expect(compareToBound(id(2, 5, 9, 10), id(2, 5))).toBe(0);
  });
});

describe('startFilter', () => {
  it('after a checkpointed message skips it and everything before, also inside its batch', () => {
    const accept = startFilter({ kind: 'after', messageId: formatMessageId(id(3, 4, 1, 3)) });
    expect([id(3, 3, 2, 3), id(3, 4, 0, 3), id(3, 4, 1, 3), id(3, 4, 2, 3), id(3, 5)].map(accept)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('after a per-entry id (a resolved latest) skips that whole entry', () => {
    const accept = startFilter({ kind: 'after', messageId: '3:4' });
    expect([id(3, 4, 0, 2), id(3, 4, 1, 2), id(3, 5)].map(accept)).toEqual([false, false, true]);
  });

  it('at a message keeps it; earliest and publish time keep everything (the seek positions them)', () => {
    const at = startFilter({ kind: 'at', messageId: '3:4:1' });
    expect([id(3, 4, 0, 3), id(3, 4, 1, 3), id(3, 4, 2, 3)].map(at)).toEqual([false, true, true]);
    expect(startFilter({ kind: 'earliest' })(id(0, 0))).toBe(true);
    expect(startFilter({ kind: 'publishTime', publishTime: 5 })(id(0, 0))).toBe(true);
  });
});

describe('stopCheck', () => {
  it('is absent for an unbounded split', () => {
    expect(stopCheck(undefined)).toBeUndefined();
  });

  it('atMessageId stops before the id; afterMessageId reads it and stops', () => {
    const at = stopCheck({ kind: 'atMessageId', messageId: '5:2' });
    expect([id(5, 1), id(5, 2), id(5, 3)].map((m) => at?.(message(m)))).toEqual([
      'read',
      'stop-before',
      'stop-before',
    ]);
    const after = stopCheck({ kind: 'afterMessageId', messageId: '5:2' });
    expect([id(5, 1), id(5, 2), id(5, 3)].map((m) => after?.(message(m)))).toEqual([
      'read',
      'read-and-stop',
      'stop-before',
    ]);
  });

  it('afterMessageId of a whole batched entry reads the entry to its last message', () => {
    const after = stopCheck({ kind: 'afterMessageId', messageId: '5:2' });
    expect([id(5, 2, 0, 3), id(5, 2, 1, 3), id(5, 2, 2, 3)].map((m) => after?.(message(m)))).toEqual([
      'read',
      'read',
      'read-and-stop',
    ]);
  });

  it('publish and event time stops: at excludes the time, after includes it', () => {
    const m = (t: number) => message(id(1, t), { publishTime: t, eventTime: t });
    expect([9, 10, 11].map((t) => stopCheck({ kind: 'atPublishTime', time: 10 })?.(m(t)))).toEqual([
      'read',
      'stop-before',
      'stop-before',
    ]);
    expect([9, 10, 11].map((t) => stopCheck({ kind: 'afterPublishTime', time: 10 })?.(m(t)))).toEqual([
      'read',
      'read',
      'stop-before',
    ]);
    expect([9, 10].map((t) => stopCheck({ kind: 'atEventTime', time: 10 })?.(m(t)))).toEqual([
      'read',
      'stop-before',
    ]);
    expect([10, 11].map((t) => stopCheck({ kind: 'afterEventTime', time: 10 })?.(m(t)))).toEqual([
      'read',
      'stop-before',
    ]);
  });

  it('an empty partition (latest had no message) stops at once', () => {
    expect(stopCheck({ kind: 'empty' })?.(message(id(1, 1)))).toBe('stop-before');
  });
});

describe('startsAtOrPastStop', () => {
  it('finishes a restored split that already read up to its stop', () => {
    const after = (text: string) => ({ kind: 'after' as const, messageId: text });
    expect(startsAtOrPastStop(after('5:2:-1:0'), { kind: 'afterMessageId', messageId: '5:2' })).toBe(true);
    expect(startsAtOrPastStop(after('5:1:-1:0'), { kind: 'afterMessageId', messageId: '5:2' })).toBe(false);
    expect(startsAtOrPastStop(after('5:2:1:3'), { kind: 'afterMessageId', messageId: '5:2' })).toBe(false);
    expect(startsAtOrPastStop(after('5:2:2:3'), { kind: 'afterMessageId', messageId: '5:2' })).toBe(true);
    expect(startsAtOrPastStop(after('5:2:-1:0'), { kind: 'atMessageId', messageId: '5:2' })).toBe(true);
    expect(startsAtOrPastStop({ kind: 'earliest' }, { kind: 'empty' })).toBe(true);
    expect(startsAtOrPastStop({ kind: 'earliest' }, undefined)).toBe(false);
    expect(startsAtOrPastStop({ kind: 'earliest' }, { kind: 'atPublishTime', time: 1 })).toBe(false);
  });
});
