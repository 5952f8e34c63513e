/// <reference path="./untyped-snappyjs.d.ts" />
import { Buffer } from 'node:buffer';
import { crc32, deflateRawSync } from 'node:zlib';
import type { FileOutput, FileRecordWriter, FileWriterFormat } from '@tributary/core';
import avro from 'avsc';
import { compress as snappyCompress } from 'snappyjs';
import { missingSchema } from './avro-binary-schemas.js';
import { encodeContainerHeader, syncMarkerFor } from './avro-container-header.js';
import {
  type AvroFormatConfig,
  AvroFormatOptions,
  type ResolvedAvroFormatOptions,
} from './avro-format-options.js';
import { type AvroType, compileAvroSchema, invalidValueError, parseAvroSchema } from './avro-types.js';
import { writeVarLong } from './byte-stream-reader.js';

/**
 * Writes Avro object container files (`.avro`) with the configured schema and codec (null,
 * deflate or snappy). Records are encoded straight into the current block; a block is written when
 * it reaches `syncIntervalBytes`, on `flush()` and on `finish()`, so everything flushed is whole
 * blocks.
 *
 * `writerKind: 'row'` (default) lets the files connector continue an in-progress part file after a
 * restore: a writer on an output that already has bytes writes no second header, and the sync marker
 * is derived from schema and codec, so new blocks carry the marker of the existing header.
 */
export class AvroWriterFormat<T = unknown> implements FileWriterFormat<T> {
  readonly name = 'avro';
  readonly extension = '.avro';
  readonly kind: 'row' | 'bulk';
  private readonly options: ResolvedAvroFormatOptions;
  private readonly type: AvroType;
  private readonly schemaJson: string;
  private readonly syncSource: string;

  constructor(options: AvroFormatConfig) {
    this.options = AvroFormatOptions.parse(options);
    if (this.options.schema === undefined) throw missingSchema('to write container files');
    this.type = compileAvroSchema(this.options.schema, this.options);
    // The header carries the schema as given, logical types included, so other readers see them.
    this.schemaJson = JSON.stringify(parseAvroSchema(this.options.schema));
    // The sync marker stays derived from the schema without logical-type attributes, as it always
    // was, so a part file begun by an earlier version is continued with its own marker.
    this.syncSource = JSON.stringify(
      avro.Type.forSchema(JSON.parse(this.schemaJson)).schema({ exportAttrs: true }),
    );
    this.kind = this.options.writerKind;
  }

  createWriter(output: FileOutput): FileRecordWriter<T> {
    return new AvroContainerWriter<T>(output, this.type, this.schemaJson, this.syncSource, this.options);
  }
}

class AvroContainerWriter<T> implements FileRecordWriter<T> {
  private readonly output: FileOutput;
  private readonly type: AvroType;
  private readonly options: ResolvedAvroFormatOptions;
  private readonly sync: Buffer;
  private header: Buffer | undefined;
  private block = Buffer.allocUnsafe(64 * 1024);
  private blockBytes = 0;
  private blockCount = 0;

  constructor(
    output: FileOutput,
    type: AvroType,
    schemaJson: string,
    syncSource: string,
    options: ResolvedAvroFormatOptions,
  ) {
    this.output = output;
    this.type = type;
    this.options = options;
    this.sync = syncMarkerFor(syncSource, options.codec);
    if (output.bytesWritten === 0) this.header = encodeContainerHeader(schemaJson, options.codec, this.sync);
  }

  async writeBatch(records: readonly T[]): Promise<void> {
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      let end: number;
      try {
        end = this.type.encode(record, this.block, this.blockBytes);
        if (end < 0) {
          // encode() returns minus the missing byte count when the block buffer is too small.
          this.grow(-end);
          end = this.type.encode(record, this.block, this.blockBytes);
        }
      } catch {
        throw invalidValueError(this.type, record, `Record ${i} of the batch`);
      }
      this.blockBytes = end;
      this.blockCount++;
      if (this.blockBytes >= this.options.syncIntervalBytes) await this.writeBlock();
    }
  }

  async flush(): Promise<void> {
    await this.writeBlock();
  }

  async finish(): Promise<void> {
    await this.writeBlock();
    // An empty part file still needs its header to be a valid container.
    if (this.header !== undefined) await this.writeOut([]);
  }

  private grow(missing: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.block.length * 2, this.block.length + missing));
    this.block.copy(next, 0, 0, this.blockBytes);
    this.block = next;
  }

  private async writeBlock(): Promise<void> {
    if (this.blockCount === 0) return;
    const data = this.compress(this.block.subarray(0, this.blockBytes));
    const head: number[] = [];
    writeVarLong(this.blockCount, head);
    writeVarLong(data.length, head);
    const parts = [Buffer.from(head), data, this.sync];
    this.blockBytes = 0;
    this.blockCount = 0;
    await this.writeOut(parts);
  }

  private compress(raw: Buffer): Buffer {
    switch (this.options.codec) {
      case 'null':
        return raw;
      case 'deflate':
        return deflateRawSync(raw, { level: this.options.deflateLevel });
      case 'snappy': {
        // Avro's snappy block: the raw snappy bytes, then the CRC32 (big-endian) of the input.
        const body = snappyCompress(raw);
        const block = Buffer.allocUnsafe(body.length + 4);
        block.set(body);
        block.writeUInt32BE(crc32(raw), body.length);
        return block;
      }
    }
  }

  private async writeOut(parts: Buffer[]): Promise<void> {
    if (this.header !== undefined) {
      parts.unshift(this.header);
      this.header = undefined;
    }
    // One copy: the output may keep the chunk, and the block buffer is reused.
    await this.output.write(Buffer.concat(parts));
  }
}
