import { Buffer } from 'node:buffer';
import { crc32, inflateRawSync } from 'node:zlib';
import {
  type FileFormat,
  type FileInput,
  type FilePosition,
  type FileReadBatch,
  type FileRecordReader,
  type FileRegion,
  fileDeadLetter,
  recordInvalidError,
} from '@tributary/core';
import { reasonOf } from './avro-binary-schemas.js';
import { type ContainerHeader, corrupt, readContainerHeader, SYNC_BYTES } from './avro-container-header.js';
import {
  type AvroFormatConfig,
  AvroFormatOptions,
  type ResolvedAvroFormatOptions,
} from './avro-format-options.js';
import { type AvroResolver, type AvroType, compileAvroSchema } from './avro-types.js';
import { ByteStreamReader, readVarLong } from './byte-stream-reader.js';
import { snappyDecompress } from './snappy-decompress.js';

/**
 * Reads Avro object container files (codecs null, deflate, snappy), resolving the file's writer
 * schema to `schema` when one is given.
 *
 * Splittable: a region holds the blocks that start inside it, found by scanning for the file's
 * sync marker. One batch is one block. The position after a record is `{ block start, records of
 * the block read so far }`, and `{ next block, 0 }` after a block's last record, so a restore
 * decodes at most one block again.
 */
export class AvroFileFormat<T = unknown> implements FileFormat<T> {
  readonly name = 'avro';
  readonly splittable = true;
  /** A container file has at least a header: 0 bytes is a truncated file, not an empty one. */
  readonly emptyFileIsValid = false;
  private readonly options: ResolvedAvroFormatOptions;

  constructor(options: AvroFormatConfig = {}) {
    this.options = AvroFormatOptions.parse(options);
  }

  createReader(input: FileInput, region: FileRegion): FileRecordReader<T> {
    return new AvroContainerRecordReader<T>(input, region, this.options);
  }
}

const SCAN_CHUNK = 64 * 1024;

class AvroContainerRecordReader<T> implements FileRecordReader<T> {
  private readonly input: FileInput;
  private readonly region: FileRegion;
  private readonly options: ResolvedAvroFormatOptions;
  private header: ContainerHeader | undefined;
  private type: AvroType | undefined;
  private resolver: AvroResolver | undefined;
  private bytes: ByteStreamReader | undefined;
  private toSkip: number;
  private done = false;

  constructor(input: FileInput, region: FileRegion, options: ResolvedAvroFormatOptions) {
    this.input = input;
    this.region = region;
    this.options = options;
    this.toSkip = region.restoredPosition?.recordsToSkip ?? 0;
  }

  async readBatch(): Promise<FileReadBatch<T> | null> {
    if (this.done) return null;
    if (this.bytes === undefined && !(await this.open())) return this.finish();
    const bytes = this.bytes as ByteStreamReader;
    const header = this.header as ContainerHeader;
    const path = this.input.path;
    for (;;) {
      const blockStart = bytes.offset;
      if (this.region.end !== undefined && blockStart >= this.region.end) return this.finish();
      if ((await bytes.ensure(20)) === 0) return this.finish();
      const head = bytes.peek();
      const count = readVarLong(head, 0);
      const size = count === undefined ? undefined : readVarLong(head, count[1]);
      if (count === undefined || size === undefined || count[0] < 0 || size[0] < 0) {
        throw corrupt(path, 'truncated or invalid block header', blockStart);
      }
      const headLength = count[1] + size[1];
      if ((await bytes.ensure(headLength + size[0] + SYNC_BYTES)) < headLength + size[0] + SYNC_BYTES) {
        throw corrupt(path, 'truncated block', blockStart);
      }
      bytes.take(headLength);
      const data = this.decompress(bytes.take(size[0]), blockStart);
      if (!bytes.take(SYNC_BYTES).equals(header.sync))
        throw corrupt(path, 'sync marker mismatch', blockStart);
      const batch = this.decodeBlock(
        data,
        count[0],
        blockStart,
        bytes.offset,
        headLength + size[0] + SYNC_BYTES,
      );
      if (batch.records.length > 0 || batch.skippedErrors !== undefined) return batch;
    }
  }

  async close(): Promise<void> {
    await this.finish();
  }

  /** Reads the header and positions at the region's first block; false when the region has none. */
  private async open(): Promise<boolean> {
    const header = await readContainerHeader(this.input);
    this.header = header;
    const writerType = compileAvroSchema(header.schema, this.options);
    if (this.options.schema === undefined) this.type = writerType;
    else {
      const readerType = compileAvroSchema(this.options.schema, this.options);
      this.type = readerType;
      if (!readerType.equals(writerType)) this.resolver = readerType.createResolver(writerType);
    }
    const restored = this.region.restoredPosition;
    if (restored !== undefined || this.region.start <= header.end) {
      const offset = restored?.offset ?? header.end;
      this.bytes = new ByteStreamReader(this.input.stream(offset), offset);
      return true;
    }
    // Find the first sync marker ending at or after the region start: a block starts right after it.
    const scanFrom = this.region.start - SYNC_BYTES;
    const bytes = new ByteStreamReader(this.input.stream(scanFrom), scanFrom);
    this.bytes = bytes;
    for (;;) {
      const available = await bytes.ensure(SCAN_CHUNK);
      const at = bytes.peek().indexOf(header.sync);
      if (at !== -1) {
        bytes.take(at + SYNC_BYTES);
        return true;
      }
      if (available < SCAN_CHUNK) return false;
      // Keep the last SYNC_BYTES - 1 bytes: a marker may straddle two chunks.
      bytes.take(available - (SYNC_BYTES - 1));
      if (this.region.end !== undefined && bytes.offset >= this.region.end) return false;
    }
  }

  private decompress(data: Buffer, blockStart: number): Buffer {
    const codec = this.header?.codec ?? 'null';
    try {
      switch (codec) {
        case 'null':
          return data;
        case 'deflate':
          return inflateRawSync(data);
        case 'snappy': {
          // Avro's snappy blocks end with the CRC32 (big-endian) of the uncompressed data.
          const body = snappyDecompress(data.subarray(0, data.length - 4));
          if (crc32(body) !== data.readUInt32BE(data.length - 4))
            throw new Error('snappy block checksum mismatch');
          return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        }
      }
    } catch (error) {
      throw corrupt(this.input.path, `cannot decompress block (${codec}): ${reasonOf(error)}`, blockStart);
    }
    throw corrupt(
      this.input.path,
      `unsupported codec '${codec}' (supported: null, deflate, snappy)`,
      blockStart,
    );
  }

  private decodeBlock(
    data: Buffer,
    count: number,
    blockStart: number,
    nextBlock: number,
    blockBytes: number,
  ): FileReadBatch<T> {
    const type = this.type as AvroType;
    const resolver = this.resolver;
    const skip = Math.min(this.toSkip, count);
    this.toSkip -= skip;
    const records: T[] = [];
    const positions: FilePosition[] = [];
    let pos = 0;
    for (let i = 0; i < count; i++) {
      let offset: number;
      let value: unknown;
      try {
        ({ value, offset } = type.decode(data, pos, resolver));
      } catch (error) {
        offset = -1;
        value = reasonOf(error);
      }
      if (offset === -1) {
        const reason = `record ${i} of the block cannot be decoded${typeof value === 'string' ? `: ${value}` : ' (truncated)'}`;
        // A bad record leaves no way to find the next one in the block: the rest of the block is lost.
        if (this.options.errors === 'skip-and-count') {
          return { records, positions, bytesRead: blockBytes, skippedErrors: count - i };
        }
        const error = recordInvalidError(`Invalid Avro record: ${reason}`, {
          file: this.input.path,
          offset: blockStart,
        });
        if (this.options.errors === 'fail') throw error;
        // One dead letter for the rest of the block: its (uncompressed) bytes from the bad record on.
        const raw = Buffer.from(data.subarray(pos));
        records.push(
          fileDeadLetter(error, { file: this.input.path, offset: blockStart }, raw, count - i) as T,
        );
        positions.push({ offset: nextBlock, recordsToSkip: 0 });
        return { records, positions, bytesRead: blockBytes, deadLetters: count - i };
      }
      pos = offset;
      if (i < skip) continue;
      records.push(value as T);
      positions.push(
        i + 1 < count
          ? { offset: blockStart, recordsToSkip: i + 1 }
          : { offset: nextBlock, recordsToSkip: 0 },
      );
    }
    return { records, positions, bytesRead: blockBytes };
  }

  private async finish(): Promise<null> {
    this.done = true;
    await this.bytes?.close();
    return null;
  }
}
