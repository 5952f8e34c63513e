import {
  hasErrorCode,
  MetricRegistry,
  type SourceOutput,
  SourceReaderMetricGroup,
  silentLogger,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KafkaJsFetchedMessage } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaPartitionSplitState } from './kafka-partition-split.js';
import {
  type KafkaMessage,
  kafkaMessageDeserializer,
  utf8Schema,
  valueOnly,
} from './kafka-record-deserializer.js';
import { KafkaRecordEmitter } from './kafka-record-emitter.js';

function message(offset: number, value: string | null, key: string | null = null): KafkaJsFetchedMessage {
  return {
    offset: String(offset),
    timestamp: String(1_700_000_000_000 + offset),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: { h: Buffer.from('x') },
  };
}

function collector<T>() {
  const out: { value: T; timestamp: number | undefined }[] = [];
  const output: SourceOutput<T> = {
    collect: (value, timestamp) => out.push({ value, timestamp }),
    emitWatermark: () => undefined,
    markIdle: () => undefined,
    markActive: () => undefined,
  };
  return { out, output };
}

const state = (): KafkaPartitionSplitState => ({
  splitId: 't-3',
  topic: 't',
  partition: 3,
  offset: 0,
  stoppingOffset: undefined,
});

describe('KafkaRecordEmitter', () => {
  it('emits with the record timestamp as event time and advances the split offset', () => {
    const metrics = new SourceReaderMetricGroup(new MetricRegistry(), {});
    const emitter = new KafkaRecordEmitter(
      kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }),
      metrics,
      'fail',
      silentLogger,
    );
    const { out, output } = collector<KafkaMessage<string, string>>();
    const s = state();
    emitter.emitRecord(message(7, 'v', 'k'), output, s);
    expect(s.offset).toBe(8);
    expect(out[0]?.timestamp).toBe(1_700_000_000_007);
    expect(out[0]?.value).toMatchObject({ topic: 't', partition: 3, offset: 7, key: 'k', value: 'v' });
    expect(metrics.numBytesIn.count).toBe(2);
  });

  it('drops tombstones with valueOnly but still advances', () => {
    const emitter = new KafkaRecordEmitter(
      valueOnly(utf8Schema),
      new SourceReaderMetricGroup(new MetricRegistry(), {}),
      'fail',
      silentLogger,
    );
    const { out, output } = collector<string>();
    const s = state();
    emitter.emitRecord(message(0, null), output, s);
    expect(out).toEqual([]);
    expect(s.offset).toBe(1);
  });

  it('calls a valueOnly schema with the value bytes and the origin, without a consumer record', () => {
    const seen: { bytes: Uint8Array; origin: unknown }[] = [];
    const metrics = new SourceReaderMetricGroup(new MetricRegistry(), {});
    const emitter = new KafkaRecordEmitter(
      valueOnly({
        deserialize: (bytes, origin) => {
          seen.push({ bytes, origin });
          return Buffer.from(bytes).toString('utf8');
        },
      }),
      metrics,
      'fail',
      silentLogger,
    );
    const { out, output } = collector<string>();
    const s = state();
    const m = message(41, 'v', 'key');
    emitter.emitRecord(m, output, s);
    expect(seen).toEqual([{ bytes: m.value, origin: { topic: 't', partition: 3, offset: 41 } }]);
    expect(seen[0]?.bytes).toBe(m.value);
    expect(out).toEqual([{ value: 'v', timestamp: 1_700_000_000_041 }]);
    expect(s.offset).toBe(42);
    expect(metrics.numBytesIn.count).toBe(4);
  });

  it('fails with topic, partition and offset, or skips and counts when asked', () => {
    const broken = {
      deserialize: () => {
        throw new Error('bad json');
      },
    };
    const failing = new KafkaRecordEmitter(
      valueOnly(broken),
      new SourceReaderMetricGroup(new MetricRegistry(), {}),
      'fail',
      silentLogger,
    );
    const { output } = collector<string>();
    let error: unknown;
    try {
      failing.emitRecord(message(9, 'x'), output, state());
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, KafkaErrorCodes.DESERIALIZATION_FAILED)).toBe(true);
    expect((error as { context: unknown }).context).toEqual({ topic: 't', partition: 3, offset: 9 });

    const metrics = new SourceReaderMetricGroup(new MetricRegistry(), {});
    const skipping = new KafkaRecordEmitter(valueOnly(broken), metrics, 'skip', silentLogger);
    const s = state();
    skipping.emitRecord(message(9, 'x'), output, s);
    expect(metrics.numRecordsInErrors.count).toBe(1);
    expect(s.offset).toBe(10);
  });
});
