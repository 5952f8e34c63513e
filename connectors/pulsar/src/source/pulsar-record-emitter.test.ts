import { MetricRegistry, type SourceOutput, SourceReaderMetricGroup, silentLogger } from '@tributary/core';
import type { ConsumerMessage } from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import type { PulsarSplitState } from './pulsar-partition-split.js';
import { PulsarMessageRangeEmitter, PulsarRecordEmitter } from './pulsar-record-emitter.js';
import type { PulsarEntry } from './pulsar-split-reader.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One batch entry (ledger 7, entry 3) of `size` messages `m0`, `m1`, … */
function batchEntry(size: number): PulsarEntry {
  const messages = Array.from(
    { length: size },
    (_, i): ConsumerMessage => ({
      topic: 'persistent://t/ns/in-partition-0',
      messageId: { ledgerId: 7n, entryId: 3n, partition: 0, batchIndex: i, batchSize: size },
      payload: encoder.encode(`m${i}`),
      key: undefined,
      orderingKey: undefined,
      properties: {},
      publishTime: 1000 + i,
      eventTime: 0,
      redeliveryCount: 0,
      producerName: 'p',
      sequenceId: BigInt(i),
    }),
  );
  return { messages: () => messages };
}

function splitState(): PulsarSplitState {
  return {
    split: {
      splitId: 'in-partition-0',
      topic: 'persistent://t/ns/in-partition-0',
      start: { kind: 'earliest' },
    },
    lastEmitted: undefined,
    unackedEntries: [],
  };
}

function collecting(values: string[]): SourceOutput<string> {
  return {
    collect: (value) => values.push(value),
    emitWatermark: () => {},
    markIdle: () => {},
    markActive: () => {},
  };
}

const metrics = () => new SourceReaderMetricGroup(new MetricRegistry(), { subtask: '0' });
const deserializer = { deserialize: (m: ConsumerMessage) => decoder.decode(m.payload) };

describe('PulsarMessageRangeEmitter (Exclusive / Failover)', () => {
  it('emits a range of a batch entry and moves the position to its last message, batch index included', () => {
    const emitter = new PulsarMessageRangeEmitter(deserializer, metrics(), 'fail', silentLogger);
    const entry = batchEntry(10);
    const state = splitState();
    const values: string[] = [];
    expect(emitter.recordCount(entry)).toBe(10);
    emitter.emitRecords(entry, 0, 4, collecting(values), state);
    expect(values).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(state.lastEmitted).toMatchObject({ entryId: 3n, batchIndex: 3, batchSize: 10 });
    emitter.emitRecords(entry, 4, 10, collecting(values), state);
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(state.lastEmitted).toMatchObject({ entryId: 3n, batchIndex: 9 });
    expect(state.unackedEntries).toEqual([]);
  });

  it('decodes an entry once across its ranges (the entry itself keeps nothing decoded)', () => {
    const emitter = new PulsarMessageRangeEmitter(deserializer, metrics(), 'fail', silentLogger);
    const inner = batchEntry(6);
    let decodes = 0;
    const entry: PulsarEntry = {
      messages: () => {
        decodes++;
        return inner.messages();
      },
    };
    const values: string[] = [];
    const state = splitState();
    expect(emitter.recordCount(entry)).toBe(6);
    emitter.emitRecords(entry, 0, 3, collecting(values), state);
    expect(emitter.recordCount(entry)).toBe(6);
    emitter.emitRecords(entry, 3, 6, collecting(values), state);
    expect(decodes).toBe(1);
    expect(values).toHaveLength(6);
    emitter.emitRecords(batchEntry(2), 0, 2, collecting(values), state);
    expect(values.slice(6)).toEqual(['m0', 'm1']);
  });

  it('leaves the position on the last emitted message when a message of the range fails', () => {
    const failing = {
      deserialize: (m: ConsumerMessage) => {
        if (m.messageId.batchIndex === 2) throw new Error('bad payload');
        return decoder.decode(m.payload);
      },
    };
    const emitter = new PulsarMessageRangeEmitter(failing, metrics(), 'fail', silentLogger);
    const state = splitState();
    const entry = batchEntry(5);
    emitter.emitRecords(entry, 0, 2, collecting([]), state);
    expect(() => emitter.emitRecords(entry, 2, 5, collecting([]), state)).toThrow(
      /could not be deserialized/,
    );
    expect(state.lastEmitted).toMatchObject({ batchIndex: 1 });
  });
});

describe('PulsarRecordEmitter (Shared / Key_Shared)', () => {
  it('emits whole entries only (positions are whole-entry acks) and remembers each for the ack transaction', () => {
    const emitter = new PulsarRecordEmitter(deserializer, metrics(), 'fail', true, silentLogger);
    // Not a batch emitter: the reader never stops inside an entry of a Shared split.
    expect('emitRecords' in emitter).toBe(false);
    const state = splitState();
    const values: string[] = [];
    emitter.emitRecord(batchEntry(3), collecting(values), state);
    expect(values).toEqual(['m0', 'm1', 'm2']);
    expect(state.unackedEntries).toEqual([expect.objectContaining({ entryId: 3n, batchIndex: 2 })]);
  });
});
