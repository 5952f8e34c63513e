import { describe, expect, it } from 'vitest';
import type { ConsumerMessage } from './consumer.js';
import { QueuedEntry } from './queued-entry.js';

const message = (batchIndex: number) =>
  ({ messageId: { ledgerId: 1n, entryId: 2n, partition: -1, batchIndex, batchSize: 3 } }) as ConsumerMessage;

describe('QueuedEntry', () => {
  it('decodes only when first used, once, and then counts the messages the decoder kept', () => {
    let decodes = 0;
    const entry = new QueuedEntry('partition-0', 3, () => {
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
    const entry = new QueuedEntry('partition-0', 3, () => {
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
    const entry = new QueuedEntry('partition-0', 1, () => {
      throw new Error('bad batch');
    });
    expect(() => entry.decode()).toThrow('bad batch');
    expect(() => entry.decode()).toThrow('bad batch');
    expect(entry.remaining).toBe(1);
  });
});
