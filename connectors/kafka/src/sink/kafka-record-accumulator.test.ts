import { describe, expect, it } from 'vitest';
import type { KafkaJsMessage } from '../client/kafkajs-internals.js';
import type { ConvertedBatch } from './kafka-message-converter.js';
import {
  KafkaRecordAccumulator,
  type KafkaRequestChunk,
  recordPosition,
} from './kafka-record-accumulator.js';

function write(groups: Record<string, string[]>): ConvertedBatch {
  const topicMessages = new Map<string, KafkaJsMessage[]>();
  let count = 0;
  let bytes = 0;
  for (const [topic, values] of Object.entries(groups)) {
    topicMessages.set(
      topic,
      values.map((v) => ({ value: Buffer.from(v) })),
    );
    count += values.length;
    bytes += values.reduce((n, v) => n + v.length, 0);
  }
  return { topicMessages, count, bytes };
}

const values = (chunk: KafkaRequestChunk | undefined) =>
  Object.fromEntries(
    [...(chunk?.topicMessages ?? [])].map(([t, ms]) => [t, ms.map((m) => m.value?.toString())]),
  );

describe('KafkaRecordAccumulator', () => {
  it('fills one chunk across writes and closes it at maxRecords, keeping order', () => {
    const acc = new KafkaRecordAccumulator({ maxRecords: 4, maxBytes: 1000 });
    acc.append(write({ t: ['a', 'b', 'c'] }));
    expect(acc.hasFull).toBe(false);
    expect(acc.openRecords).toBe(3);
    acc.append(write({ t: ['d', 'e'] }));
    expect(acc.hasFull).toBe(true);
    const first = acc.takeFull();
    expect(values(first)).toEqual({ t: ['a', 'b', 'c', 'd'] });
    expect(first?.firstRecord).toBe(0);
    expect(acc.takeFull()).toBeUndefined();
    const open = acc.takeOpen();
    expect(values(open)).toEqual({ t: ['e'] });
    expect(open?.firstRecord).toBe(4);
    expect(acc.pendingRecords).toBe(0);
  });

  it('closes a chunk before a record that would take it past maxBytes; an oversized record goes alone', () => {
    const acc = new KafkaRecordAccumulator({ maxRecords: 100, maxBytes: 10 });
    acc.append(write({ t: ['1234', '5678', '90', 'abc'] }));
    acc.append(write({ t: ['x'.repeat(25), 'y'] }));
    const chunks = [acc.takeFull(), acc.takeFull(), acc.takeFull(), acc.takeOpen()];
    expect(chunks.map(values)).toEqual([
      { t: ['1234', '5678', '90'] },
      { t: ['abc'] },
      { t: ['x'.repeat(25)] },
      { t: ['y'] },
    ]);
    expect(chunks.map((c) => c?.bytes)).toEqual([10, 3, 25, 1]);
  });

  it('knows each record’s append position when writes interleave topics', () => {
    const acc = new KafkaRecordAccumulator({ maxRecords: 100, maxBytes: 1000 });
    acc.append(write({ a: ['a0', 'a1'], b: ['b0'] })); // positions 0 1 | 2
    acc.append(write({ a: ['a2'], b: ['b1', 'b2'] })); // positions 3 | 4 5
    const chunk = acc.takeOpen() as KafkaRequestChunk;
    expect(values(chunk)).toEqual({ a: ['a0', 'a1', 'a2'], b: ['b0', 'b1', 'b2'] });
    expect([0, 1, 2].map((i) => recordPosition(chunk, 'a', i))).toEqual([0, 1, 3]);
    expect([0, 1, 2].map((i) => recordPosition(chunk, 'b', i))).toEqual([2, 4, 5]);
  });

  it('starts a new open chunk (a new serial) after the open one is taken or closed', () => {
    const acc = new KafkaRecordAccumulator({ maxRecords: 2, maxBytes: 1000 });
    acc.append(write({ t: ['a'] }));
    const first = acc.openChunkSerial;
    acc.append(write({ t: ['b', 'c'] }));
    expect(acc.openChunkSerial).not.toBe(first);
    expect(acc.discard()).toBe(3);
    expect(acc.hasFull).toBe(false);
    expect(acc.openRecords).toBe(0);
  });
});
