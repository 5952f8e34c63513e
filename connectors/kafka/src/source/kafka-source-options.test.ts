import type { InvalidOptionsError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { utf8Schema, valueOnly } from './kafka-record-deserializer.js';
import { KafkaSource } from './kafka-source.js';
import { KafkaSourceOptions } from './kafka-source-options.js';

function keys(input: unknown): string[] {
  try {
    KafkaSourceOptions.parse(input);
    return [];
  } catch (error) {
    return (error as InvalidOptionsError).issues.map((i) => i.key);
  }
}

describe('KafkaSourceOptions', () => {
  it('defaults: earliest, unbounded, read_committed, 5 min discovery', () => {
    const o = KafkaSourceOptions.parse({ brokers: ['b:1'], topics: ['t'] });
    expect(o).toMatchObject({
      startingOffsets: 'earliest',
      stoppingOffsets: 'never',
      isolationLevel: 'read_committed',
      partitionDiscoveryIntervalMs: 300_000,
      offsetResetStrategy: 'earliest',
      elementQueueCapacity: 2,
    });
  });

  it('needs exactly one subscription', () => {
    expect(keys({ brokers: ['b:1'] })).toEqual(['kafka.source.topics']);
    expect(keys({ brokers: ['b:1'], topics: ['t'], topicPattern: 't.*' })).toEqual(['kafka.source.topics']);
  });

  it('checks the pattern, the group for committed offsets and specific offsets', () => {
    expect(keys({ brokers: ['b:1'], topicPattern: '(' })).toEqual(['kafka.source.topicPattern']);
    expect(keys({ brokers: ['b:1'], topics: ['t'], startingOffsets: 'committed' })).toEqual([
      'kafka.source.groupId',
    ]);
    expect(
      keys({ brokers: ['b:1'], topics: ['t'], startingOffsets: { specific: { t: { x: 1 } } } }),
    ).not.toEqual([]);
    expect(
      keys({ brokers: ['b:1'], topics: ['t'], stoppingOffsets: { specific: { t: { '0': 10 } } } }),
    ).toEqual([]);
  });

  it('a stopping offset makes the source bounded', () => {
    const deserializer = valueOnly(utf8Schema);
    expect(new KafkaSource({ brokers: ['b:1'], topics: ['t'] }, deserializer).boundedness).toBe('unbounded');
    expect(
      new KafkaSource({ brokers: ['b:1'], topics: ['t'], stoppingOffsets: 'latest' }, deserializer)
        .boundedness,
    ).toBe('bounded');
  });
});
