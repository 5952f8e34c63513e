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

  it('closes a chunk at a record that reaches maxBytes even when the same write has records after it', () => {
    const acc = new KafkaRecordAccumulator({ maxRecords: 100, maxBytes: 4 });
    acc.append(write({ t: ['abcd', ''] })); // the empty record must not join the full chunk
    expect([acc.takeFull(), acc.takeOpen()].map(values)).toEqual([{ t: ['abcd'] }, { t: [''] }]);
  });

  it('cuts writes of any size into the chunks record-by-record appends make', () => {
    // Deterministic pseudo-random writes: 1–40 records over three topics, 0–12 bytes each (some
    // at or past maxBytes), against the documented rule applied one record at a time.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const limits = { maxRecords: 16, maxBytes: 40 };
    const acc = new KafkaRecordAccumulator(limits);
    const expected: { values: Record<string, string[]>; positions: Record<string, number[]> }[] = [];
    let open: (typeof expected)[number] | undefined;
    let openCount = 0;
    let openBytes = 0;
    let position = 0;
    const taken: KafkaRequestChunk[] = [];
    for (let w = 0; w < 300; w++) {
      const groups: Record<string, string[]> = {};
      for (let r = 1 + next(40); r > 0; r--) {
        const topic = `t${next(3)}`;
        const value = String.fromCharCode(97 + next(26)).repeat(next(13));
        groups[topic] = [...(groups[topic] ?? []), value];
      }
      for (const [topic, list] of Object.entries(groups)) {
        for (const value of list) {
          if (open !== undefined && openBytes + value.length > limits.maxBytes) open = undefined;
          if (open === undefined) {
            open = { values: {}, positions: {} };
            expected.push(open);
            openCount = 0;
            openBytes = 0;
          }
          open.values[topic] = [...(open.values[topic] ?? []), value];
          open.positions[topic] = [...(open.positions[topic] ?? []), position++];
          openCount++;
          openBytes += value.length;
          if (openCount >= limits.maxRecords || openBytes >= limits.maxBytes) open = undefined;
        }
      }
      acc.append(write(groups));
      for (let c = acc.takeFull(); c !== undefined; c = acc.takeFull()) taken.push(c);
    }
    const last = acc.takeOpen();
    if (last !== undefined) taken.push(last);
    expect(taken.map(values)).toEqual(expected.map((e) => e.values));
    expect(
      taken.map((chunk) =>
        Object.fromEntries(
          [...chunk.topicMessages].map(([t, ms]) => [t, ms.map((_, i) => recordPosition(chunk, t, i))]),
        ),
      ),
    ).toEqual(expected.map((e) => e.positions));
    expect(taken.map((c) => c.count)).toEqual(
      expected.map((e) => Object.values(e.values).reduce((n, l) => n + l.length, 0)),
    );
  });
});
