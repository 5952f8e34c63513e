import { MetricRegistry, SourceReaderMetricGroup, silentLogger, TributaryError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { kafkaFetchedBatch } from '../source/kafka-fetched-batch.js';
import type { KafkaConsumerRecord, KafkaRecordDeserializer } from '../source/kafka-record-deserializer.js';
import { KafkaRecordEmitter } from '../source/kafka-record-emitter.js';
import { isKafkaDeadLetter, type KafkaDeadLetter, withDeadLetters } from './kafka-dead-letter.js';
import { DEAD_LETTER_HEADERS, kafkaDeadLetterSerializer } from './kafka-dead-letter-serializer.js';

function record(value: string, offset = 7): KafkaConsumerRecord {
  return {
    topic: 'orders',
    partition: 1,
    offset,
    timestamp: 1_700_000_000_000,
    key: Buffer.from('k'),
    value: Buffer.from(value),
    headers: { trace: Buffer.from('t-1'), gone: undefined },
  };
}

/** Parses JSON numbers; anything else fails with a typed error. */
const numbers: KafkaRecordDeserializer<number> = {
  deserialize(r) {
    const parsed = JSON.parse(String(r.value)) as unknown;
    if (typeof parsed !== 'number')
      throw new TributaryError('TRIB_RECORD_INVALID', `not a number: ${r.value}`);
    return parsed;
  },
};

describe('Kafka dead letters', () => {
  it('passes good records through and turns failing ones into dead letters with copied bytes', () => {
    const d = withDeadLetters(numbers);
    expect(d.deserialize(record('42'))).toBe(42);
    const bad = record('"text"');
    const letter = d.deserialize(bad) as KafkaDeadLetter;
    expect(isKafkaDeadLetter(letter)).toBe(true);
    expect(letter).toMatchObject({ topic: 'orders', partition: 1, offset: 7, timestamp: 1_700_000_000_000 });
    expect(letter.error).toEqual({ code: 'TRIB_RECORD_INVALID', message: 'not a number: "text"' });
    expect(Object.keys(letter.headers)).toEqual(['trace']);
    // Copies, not views of the fetch buffer.
    (bad.value as Buffer).fill(0);
    expect(String(letter.value)).toBe('"text"');
    const unparsable = d.deserialize(record('{oops')) as KafkaDeadLetter;
    expect(unparsable.error.code).toBe('TRIB_KAFKA_DESERIALIZATION_FAILED');
    expect(unparsable.error.message).toMatch(/JSON/);
  });

  it('still fails a fetch on a transient prepare error, and narrows a permanent one to its records', async () => {
    const prepared: string[] = [];
    let registryDown = true;
    const inner: KafkaRecordDeserializer<number> = {
      ...numbers,
      async prepare(records) {
        if (registryDown) throw Object.assign(new Error('registry down'), { code: 'ECONNREFUSED' });
        if (records.some((r) => String(r.value) === 'unknown-id')) throw new Error('schema id 99 not found');
        for (const r of records) prepared.push(String(r.value));
      },
    };
    const d = withDeadLetters(inner);
    const batch = [record('1'), record('unknown-id'), record('2')];
    await expect(d.prepare?.(batch)).rejects.toThrow('registry down');
    registryDown = false;
    await d.prepare?.(batch);
    expect(prepared).toEqual(['1', '2']);
    expect(withDeadLetters(numbers).prepare).toBeUndefined();
  });

  it('counts dead letters in numRecordsInErrors and emits them in order', () => {
    const registry = new MetricRegistry();
    const emitter = new KafkaRecordEmitter(
      withDeadLetters(numbers),
      new SourceReaderMetricGroup(registry, {}),
      'fail',
      silentLogger,
    );
    const out: unknown[] = [];
    const output = { collect: (value: unknown) => out.push(value) };
    const state = {
      splitId: 'orders-1',
      topic: 'orders',
      partition: 1,
      offset: 0,
      stoppingOffset: undefined,
    };
    const message = (value: string, offset: number) =>
      ({
        offset: String(offset),
        timestamp: '0',
        key: null,
        value: Buffer.from(value),
        headers: {},
      }) as never;
    emitter.emitRecord(
      kafkaFetchedBatch([message('1', 0), message('x', 1), message('3', 2)], 3),
      output as never,
      state,
    );
    expect(out.map((v) => (isKafkaDeadLetter(v) ? `dead@${v.offset}` : v))).toEqual([1, 'dead@1', 3]);
    expect(registry.sum('numRecordsInErrors')).toBe(1);
    expect(state.offset).toBe(3);
  });

  it('writes a dead letter as read, plus headers naming its origin and error', () => {
    const letter = withDeadLetters(numbers).deserialize(record('"text"')) as KafkaDeadLetter;
    const serializer = kafkaDeadLetterSerializer<number>({ topic: 'orders.dlq' });
    const out = serializer.serialize(letter, undefined, { subtaskId: 0, parallelism: 1 });
    expect(out.topic).toBe('orders.dlq');
    expect(String(out.key)).toBe('k');
    expect(String(out.value)).toBe('"text"');
    expect(out.timestamp).toBe(1_700_000_000_000);
    expect(out.headers).toMatchObject({
      trace: Buffer.from('t-1'),
      [DEAD_LETTER_HEADERS.topic]: 'orders',
      [DEAD_LETTER_HEADERS.partition]: '1',
      [DEAD_LETTER_HEADERS.offset]: '7',
      [DEAD_LETTER_HEADERS.errorCode]: 'TRIB_RECORD_INVALID',
    });
    expect(() => serializer.serialize(5, undefined, { subtaskId: 0, parallelism: 1 })).toThrow(
      /not a Kafka dead letter/,
    );
  });
});
