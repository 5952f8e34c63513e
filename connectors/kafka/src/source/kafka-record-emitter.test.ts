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
import { type KafkaFetchedBatch, kafkaFetchedBatch } from './kafka-fetched-batch.js';
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

/** A batch of `messages` that ends one past the last (no markers or gaps after it). */
function batchOf(...messages: KafkaJsFetchedMessage[]): KafkaFetchedBatch {
  const last = messages[messages.length - 1];
  return kafkaFetchedBatch(messages, last === undefined ? 0 : Number(last.offset) + 1);
}

/** An emitter of UTF-8 values (`valueOnly`) that fails on a bad record, with its own metrics. */
function utf8ValueEmitter(): KafkaRecordEmitter<string> {
  return new KafkaRecordEmitter(
    valueOnly(utf8Schema),
    new SourceReaderMetricGroup(new MetricRegistry(), {}),
    'fail',
    silentLogger,
  );
}

/** An emitter of UTF-8 values whose schema throws on the value `bad` (error policy `fail`). */
function badRecordEmitter(): KafkaRecordEmitter<string> {
  return new KafkaRecordEmitter(
    valueOnly({
      deserialize: (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        if (text === 'bad') throw new Error('bad record');
        return text;
      },
    }),
    new SourceReaderMetricGroup(new MetricRegistry(), {}),
    'fail',
    silentLogger,
  );
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
    emitter.emitRecord(batchOf(message(7, 'v', 'k')), output, s);
    expect(s.offset).toBe(8);
    expect(out[0]?.timestamp).toBe(1_700_000_000_007);
    expect(out[0]?.value).toMatchObject({ topic: 't', partition: 3, offset: 7, key: 'k', value: 'v' });
    expect(metrics.numBytesIn.count).toBe(2);
  });

  it('drops tombstones with valueOnly but still advances', () => {
    const emitter = utf8ValueEmitter();
    const { out, output } = collector<string>();
    const s = state();
    emitter.emitRecord(batchOf(message(0, null)), output, s);
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
    emitter.emitRecord(batchOf(m), output, s);
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
      failing.emitRecord(batchOf(message(9, 'x')), output, state());
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, KafkaErrorCodes.DESERIALIZATION_FAILED)).toBe(true);
    expect((error as { context: unknown }).context).toEqual({ topic: 't', partition: 3, offset: 9 });

    const metrics = new SourceReaderMetricGroup(new MetricRegistry(), {});
    const skipping = new KafkaRecordEmitter(valueOnly(broken), metrics, 'skip', silentLogger);
    const s = state();
    skipping.emitRecord(batchOf(message(9, 'x')), output, s);
    expect(metrics.numRecordsInErrors.count).toBe(1);
    expect(s.offset).toBe(10);
  });

  it('emits ranges of a batch with their offsets, consecutive or not, and moves the position per range', () => {
    const origins: unknown[] = [];
    const metrics = new SourceReaderMetricGroup(new MetricRegistry(), {});
    const emitter = new KafkaRecordEmitter(
      valueOnly({
        deserialize: (bytes, origin) => {
          origins.push(origin);
          return Buffer.from(bytes).toString('utf8');
        },
      }),
      metrics,
      'fail',
      silentLogger,
    );
    const { out, output } = collector<string>();
    const consecutive = batchOf(message(10, 'a'), message(11, 'b'), message(12, 'c'));
    expect(consecutive.consecutiveFrom).toBe(10);
    const s = state();
    emitter.emitRecords(consecutive, 0, 2, output, s);
    expect(s.offset).toBe(12);
    emitter.emitRecords(consecutive, 2, 3, output, s);
    expect(s.offset).toBe(13);
    // Offsets 21 and 23 compacted away; a transaction marker at 25: the batch ends at 26.
    const gaps = kafkaFetchedBatch([message(20, 'd'), message(22, 'e'), message(24, 'f')], 26);
    expect(gaps.consecutiveFrom).toBeUndefined();
    emitter.emitRecords(gaps, 0, 2, output, s);
    expect(s.offset).toBe(23);
    emitter.emitRecords(gaps, 2, 3, output, s);
    expect(s.offset).toBe(26);
    expect(out.map((o) => `${o.value}@${o.timestamp}`)).toEqual([
      'a@1700000000010',
      'b@1700000000011',
      'c@1700000000012',
      'd@1700000000020',
      'e@1700000000022',
      'f@1700000000024',
    ]);
    expect(origins.map((o) => (o as { offset: number }).offset)).toEqual([10, 11, 12, 20, 22, 24]);
    expect(metrics.numBytesIn.count).toBe(6);
  });

  it('moves the position past a batch without records (markers or an emptied batch only)', () => {
    const emitter = utf8ValueEmitter();
    const { out, output } = collector<string>();
    const s = { ...state(), offset: 5 };
    emitter.emitRecords(kafkaFetchedBatch([], 9), 0, 0, output, s);
    expect(out).toEqual([]);
    expect(s.offset).toBe(9);
  });

  it('leaves the position after the last emitted record when a record fails', () => {
    const emitter = badRecordEmitter();
    const { out, output } = collector<string>();
    const s = state();
    const batch = batchOf(message(3, 'a'), message(4, 'b'), message(5, 'bad'), message(6, 'c'));
    expect(() => emitter.emitRecords(batch, 0, 4, output, s)).toThrow(/t-3@5/);
    expect(out.map((o) => o.value)).toEqual(['a', 'b']);
    expect(s.offset).toBe(5);
  });

  it('hands each range to an output that takes batches in one collectBatch, the emitted records before a failure too', () => {
    const emitter = badRecordEmitter();
    const calls: { records: string[]; timestamps: number[] }[] = [];
    const output: SourceOutput<string> = {
      collect: () => {
        throw new Error('collect() called: the emitter should hand over the range at once');
      },
      collectBatch: (records, timestamps) => calls.push({ records, timestamps }),
      emitWatermark: () => undefined,
      markIdle: () => undefined,
      markActive: () => undefined,
    };
    const s = state();
    const batch = batchOf(message(3, 'a'), message(4, null), message(5, 'b'), message(6, 'bad'));
    emitter.emitRecords(batch, 0, 3, output, s);
    expect(calls).toEqual([{ records: ['a', 'b'], timestamps: [1_700_000_000_003, 1_700_000_000_005] }]);
    expect(s.offset).toBe(6);
    expect(() => emitter.emitRecords(batch, 3, 4, output, s)).toThrow(/t-3@6/);
    expect(calls).toHaveLength(1);
    expect(s.offset).toBe(6);
  });
});
