import { describe, expect, it } from 'vitest';
import type { ConsumerMessage } from './consumer.js';
import { type EntryHead, QueuedEntry } from './queued-entry.js';

const message = (batchIndex: number) =>
  ({ messageId: { ledgerId: 1n, entryId: 2n, partition: -1, batchIndex, batchSize: 3 } }) as ConsumerMessage;

const head: EntryHead = {
  topic: 't',
  ledgerId: 1n,
  entryId: 2n,
  partition: -1,
  batchSize: 3,
  publishTime: 7,
};

describe('QueuedEntry', () => {
  it('decodes only when first used, once, and then counts the messages the decoder kept', () => {
    let decodes = 0;
    const entry = new QueuedEntry('partition-0', 3, head, () => {
      decodes++;
      // One of the three was compacted out (or acked): the decoder leaves it out.
      return [message(0), message(2)];
    });
    expect(decodes).toBe(0);
    expect(entry.remaining).toBe(3);
    expect(entry.decode().map((m) => m.messageId.batchIndex)).toEqual([0, 2]);
    expect(entry.decode()).toHaveLength(2);
    expect(decodes).toBe(1);
    expect(entry.remaining).toBe(2);
  });

  it('keeps nothing on the entry when the caller takes the messages whole (decode(false))', () => {
    let decodes = 0;
    const entry = new QueuedEntry('partition-0', 3, head, () => {
      decodes++;
      return [message(0), message(2)];
    });
    const taken = entry.decode(false);
    expect(taken.map((m) => m.messageId.batchIndex)).toEqual([0, 2]);
    expect(entry.remaining).toBe(2);
    // Not cached: a promoted entry holding its decoded messages would keep them through every scavenge.
    expect(entry.decode(false)).not.toBe(taken);
    expect(decodes).toBe(2);
  });

  it('throws the decode failure on every use, so nothing behind a corrupt entry is read', () => {
    const entry = new QueuedEntry('partition-0', 1, head, () => {
      throw new Error('bad batch');
    });
    expect(() => entry.decode()).toThrow('bad batch');
    expect(() => entry.decode()).toThrow('bad batch');
    expect(entry.remaining).toBe(1);
  });

  it('tells its id bounds and publish time from the envelope, before decoding', () => {
    let decodes = 0;
    const entry = new QueuedEntry('partition-0', 3, head, () => {
      decodes++;
      return [message(1), message(2)];
    });
    expect(entry.firstId).toEqual({ ledgerId: 1n, entryId: 2n, partition: -1, batchIndex: 0, batchSize: 3 });
    expect(entry.lastId).toEqual({ ledgerId: 1n, entryId: 2n, partition: -1, batchIndex: 2, batchSize: 3 });
    expect(entry.publishTime).toBe(7);
    expect(entry.count).toBe(3);
    expect(decodes).toBe(0);
    // Decoded, the bounds are the messages the decoder kept.
    expect(entry.messages().map((m) => m.messageId.batchIndex)).toEqual([1, 2]);
    expect(entry.firstId.batchIndex).toBe(1);
  });

  it('a non-batched entry is its own message id (batch index -1)', () => {
    const entry = new QueuedEntry('p', 1, { ...head, batchSize: 0 }, () => [message(-1)]);
    expect(entry.firstId.batchIndex).toBe(-1);
    expect(entry.lastId.batchIndex).toBe(-1);
  });

  it('taken undecoded, tells the decoder the permits went back already', () => {
    const seen: boolean[] = [];
    const entry = new QueuedEntry('p', 3, head, (permitsReturned) => {
      seen.push(permitsReturned);
      return [message(0)];
    });
    entry.takeUndecoded();
    entry.messages();
    expect(seen).toEqual([true]);
  });

  it('taken undecoded, keeps no decoded messages (the taker holds them while it emits)', () => {
    let decodes = 0;
    const entry = new QueuedEntry('p', 3, head, () => {
      decodes++;
      return [message(0), message(2)];
    });
    entry.takeUndecoded();
    const first = entry.messages();
    expect(first.map((m) => m.messageId.batchIndex)).toEqual([0, 2]);
    expect(entry.messages()).not.toBe(first);
    expect(decodes).toBe(2);
    expect(entry.count).toBe(2);
  });
});
