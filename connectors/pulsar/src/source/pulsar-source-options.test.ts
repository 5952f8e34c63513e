import { describe, expect, it } from 'vitest';
import { PulsarSourceOptions } from './pulsar-source-options.js';

const base = { serviceUrl: 'pulsar://localhost:6650', subscriptionName: 'job' };

function problems(input: unknown): string {
  try {
    PulsarSourceOptions.parse(input);
    return '';
  } catch (error) {
    return String(error);
  }
}

describe('PulsarSourceOptions', () => {
  it('fills the defaults: Exclusive, earliest, unbounded, discovery every 30 s', () => {
    const options = PulsarSourceOptions.parse({ ...base, topics: ['orders'] });
    expect(options).toMatchObject({
      subscriptionType: 'Exclusive',
      startCursor: 'earliest',
      stopCursor: 'never',
      partitionDiscoveryIntervalMs: 30_000,
      receiverQueueSize: 1000,
      maxRecordsPerPoll: 1000,
    });
  });

  it('takes message-id, publish-time and event-time cursors', () => {
    const options = PulsarSourceOptions.parse({
      ...base,
      topics: ['orders'],
      startCursor: { messageId: '12:3' },
      stopCursor: { afterEventTime: 1_700_000_000_000 },
    });
    expect(options.startCursor).toEqual({ messageId: '12:3', inclusive: true });
    expect(options.stopCursor).toEqual({ afterEventTime: 1_700_000_000_000 });
  });

  it('names the key of each mistake', () => {
    expect(problems({ ...base })).toContain('pulsar.source.topics');
    expect(problems({ ...base, topics: ['a'], topicPattern: 'public/default/a.*' })).toContain(
      'exactly one of topics or topicPattern',
    );
    expect(problems({ ...base, topicPattern: 'orders-.*' })).toContain('pulsar.source.topicPattern');
    expect(problems({ ...base, topicPattern: 'public/default/(' })).toContain(
      'not a valid regular expression',
    );
    expect(problems({ ...base, topics: ['a'], startCursor: { messageId: 'x' } })).toContain(
      'pulsar.source.startCursor',
    );
    expect(problems({ serviceUrl: 'http://x', subscriptionName: 's', topics: ['a'] })).toContain(
      'pulsar.source.serviceUrl',
    );
    expect(problems({ ...base, topics: ['a'], subscriptionTyp: 'Shared' })).toContain("'subscriptionTyp'");
  });

  it('keeps Shared and Key_Shared to subscription positions and unbounded reads', () => {
    for (const subscriptionType of ['Shared', 'Key_Shared']) {
      expect(
        problems({ ...base, topics: ['a'], subscriptionType, startCursor: { publishTime: 1 } }),
      ).toContain(`must be 'earliest' or 'latest' with ${subscriptionType}`);
      expect(problems({ ...base, topics: ['a'], subscriptionType, stopCursor: 'latest' })).toContain(
        `must be 'never' with ${subscriptionType}`,
      );
      expect(problems({ ...base, topics: ['a'], subscriptionType, startCursor: 'latest' })).toBe('');
    }
  });

  it('never echoes the token it rejects', () => {
    expect(problems({ ...base, topics: ['a'], authenticationToken: '' })).not.toContain('secret');
    const message = problems({ ...base, topics: ['a'], authenticationToken: 42 });
    expect(message).toContain('pulsar.source.authenticationToken');
    expect(message).not.toContain('42');
  });
});
