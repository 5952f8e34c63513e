import { createRequire } from 'node:module';

/**
 * kafkajs's fetch decoding keeps only records: a record batch the log cleaner emptied (kept for
 * its producer state) yields nothing, and one whose tail was compacted away ends before its last
 * offset. A consumer that resumes after its last decoded record then fetches the same batch again,
 * forever. The Java consumer resumes after the batch (`baseOffset + lastOffsetDelta + 1`); to do
 * the same, this replaces kafkajs's `fetch/v4/decodeMessages` (used by fetch v4–v11) with one that
 * decodes with kafkajs's own RecordBatch decoder and also records where the last complete batch
 * ends, as the non-enumerable `nextBatchOffset` of the returned record array.
 *
 * @internal
 */
const require = createRequire(import.meta.url);
const MODULE = 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages';
/** Bytes of a record batch header before its records. */
const RECORD_BATCH_OVERHEAD = 49;
/** Bytes of a record batch before its length field ends (base offset int64, length int32). */
const BATCH_LENGTH_END = 12;
/** The magic byte sits at the same position in every message format. */
const MAGIC_OFFSET = 16;
const RECORD_BATCH_MAGIC = 2;

type DecoderT = {
  buffer: Buffer;
  offset: number;
  readInt32(): number;
  readBytes(n: number): Buffer;
  canReadBytes(n: number): boolean;
};

/** The property `decodeFetchedPartition` reads. */
export const NEXT_BATCH_OFFSET = 'nextBatchOffset';

let installed: boolean | undefined;

/**
 * Installs the decoder before kafkajs loads its fetch responses; returns false when kafkajs had
 * already loaded its own (then offsets come from the last record, as before).
 */
export function installBatchAwareDecoder(): boolean {
  if (installed !== undefined) return installed;
  const path = require.resolve(MODULE);
  const responsePaths = [4, 5, 6, 7, 8, 9, 10, 11].map((v) =>
    require.resolve(`kafkajs/src/protocol/requests/fetch/v${v}/response`),
  );
  if (responsePaths.some((p) => require.cache[p] !== undefined)) {
    installed = false;
    return installed;
  }
  const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => DecoderT;
  const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
    d: DecoderT,
  ) => Promise<{ firstOffset: string; lastOffsetDelta: number; records: unknown[] }>;
  const MessageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder') as (
    d: DecoderT,
    size: number,
  ) => Promise<unknown[]>;
  const original = require(MODULE) as unknown;
  const decodeMessages = async (decoder: DecoderT): Promise<unknown[]> => {
    const size = decoder.readInt32();
    if (size <= 0 || !decoder.canReadBytes(size)) return [];
    const buffer = decoder.readBytes(size);
    const messages = new Decoder(buffer);
    if (buffer.readInt8(MAGIC_OFFSET) !== RECORD_BATCH_MAGIC) return MessageSetDecoder(messages, size);
    const records: unknown[] = [];
    let nextBatchOffset: number | undefined;
    while (messages.canReadBytes(RECORD_BATCH_OVERHEAD)) {
      // maxBytes cuts the last batch of (nearly) every full partition response short; it is fetched
      // again next time. Checked here rather than through kafkajs's KafkaJSPartialMessageError,
      // which captures two stack traces (~14 µs; ~1% of the CPU of a read of 1 KB records).
      const length = messages.buffer.readInt32BE(messages.offset + 8);
      if (!messages.canReadBytes(BATCH_LENGTH_END + length)) break;
      try {
        const batch = await RecordBatchDecoder(messages);
        for (const record of batch.records) records.push(record);
        nextBatchOffset = Number(batch.firstOffset) + batch.lastOffsetDelta + 1;
      } catch (error) {
        // A cut the length check above did not see (kept as kafkajs's own signal of one).
        if ((error as Error).name === 'KafkaJSPartialMessageError') break;
        throw error;
      }
    }
    Object.defineProperty(records, NEXT_BATCH_OFFSET, { value: nextBatchOffset, enumerable: false });
    return records;
  };
  const cached = require.cache[path];
  if (cached === undefined || cached.exports !== original) {
    installed = false;
    return installed;
  }
  cached.exports = decodeMessages;
  installed = true;
  return installed;
}
