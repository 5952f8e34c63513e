import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { startCursorAfter } from './pulsar-end-position.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';

describe('startCursorAfter', () => {
  it('continues after (or at) each partition’s stop id; empty partitions from the earliest message', () => {
    expect(
      startCursorAfter({
        stops: {
          'p-0': { kind: 'afterMessageId', messageId: '4:7:-1:0' },
          'p-1': { kind: 'empty' },
        },
      }),
    ).toEqual({ messageId: { 'p-0': '4:7:-1:0' }, inclusive: false });
    expect(startCursorAfter({ stops: { 'p-0': { kind: 'atMessageId', messageId: '4:7:-1:0' } } })).toEqual({
      messageId: { 'p-0': '4:7:-1:0' },
      inclusive: true,
    });
  });

  it('continues at the first message a publish-time stop excluded', () => {
    expect(startCursorAfter({ stops: { p: { kind: 'atPublishTime', time: 100 } } })).toEqual({
      publishTime: 100,
    });
    expect(startCursorAfter({ stops: { p: { kind: 'afterPublishTime', time: 100 } } })).toEqual({
      publishTime: 101,
    });
    expect(startCursorAfter({ stops: { p: { kind: 'empty' } } })).toBe('earliest');
  });

  it('refuses event-time stops with a typed error', () => {
    let caught: unknown;
    try {
      startCursorAfter({ stops: { p: { kind: 'afterEventTime', time: 1 } } });
    } catch (error) {
      caught = error;
    }
    expect(hasErrorCode(caught, PulsarSourceErrorCodes.UNSUPPORTED_POSITION)).toBe(true);
  });
});
