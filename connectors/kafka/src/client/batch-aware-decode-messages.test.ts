import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installBatchAwareDecoder, NEXT_BATCH_OFFSET } from './batch-aware-decode-messages.js';

const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const Long = require('kafkajs/src/utils/long') as { fromValue: (v: number) => unknown };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (b: object) => Promise<Encoded>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => Encoded;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;

/** One uncompressed record batch of `count` 100-byte records from `firstOffset`. */
function batch(firstOffset: number, count: number): Promise<Encoded> {
  return RecordBatch({
    firstOffset: Long.fromValue(firstOffset),
    lastOffsetDelta: count - 1,
    records: Array.from({ length: count }, (_, i) =>
      Record({ offsetDelta: i, value: Buffer.alloc(100, 0x61) }),
    ),
  });
}

/** A partition's record set as a fetch response carries it: size, then the bytes (cut to `keep`). */
function recordSet(bytes: Buffer, keep = bytes.length): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(keep);
  return Buffer.concat([size, bytes.subarray(0, keep)]);
}

type Decode = (decoder: unknown) => Promise<{ offset: string }[]>;

function decodeMessages(): Decode {
  expect(installBatchAwareDecoder()).toBe(true);
  return require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as Decode;
}

afterEach(() => vi.restoreAllMocks());

describe('the batch-aware decodeMessages', () => {
  it.each([
    ['inside its records', 200],
    ['inside its header', 30],
    ['inside its length field', 10],
  ])('drops a last batch that maxBytes cut %s, without building an error', async (_, keepOfSecond) => {
    const decode = decodeMessages();
    const first = (await batch(0, 5)).buffer;
    const second = (await batch(5, 5)).buffer;
    const capture = vi.spyOn(Error, 'captureStackTrace');
    const records = await decode(
      new Decoder(recordSet(Buffer.concat([first, second]), first.length + keepOfSecond)),
    );
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4']);
    expect((records as unknown as Record<string, number>)[NEXT_BATCH_OFFSET]).toBe(5);
    // kafkajs's KafkaJSPartialMessageError captures a stack trace when it is built.
    expect(capture).not.toHaveBeenCalled();
  });

  it('decodes every batch of an uncut record set', async () => {
    const decode = decodeMessages();
    const bytes = Buffer.concat([(await batch(0, 3)).buffer, (await batch(3, 2)).buffer]);
    const records = await decode(new Decoder(recordSet(bytes)));
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4']);
    expect((records as unknown as Record<string, number>)[NEXT_BATCH_OFFSET]).toBe(5);
  });
});
