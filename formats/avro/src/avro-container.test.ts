import { Buffer } from 'node:buffer';
import { crc32, deflateRawSync } from 'node:zlib';
import {
  type FileDeadLetter,
  hasErrorCode,
  MemoryFileInput,
  MemoryFileOutput,
  readAllRegions,
  readFileRegion,
  resumeFileRegion,
} from '@tributary/core';
import { rejectionOf } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeContainerHeader, syncMarkerFor } from './avro-container-header.js';
import { AvroFileFormat } from './avro-file-format.js';
import type { AvroFormatConfig } from './avro-format-options.js';
import { AvroWriterFormat } from './avro-writer-format.js';
import { writeVarLong } from './byte-stream-reader.js';
import { orderRecord, orderSchema } from './testing-fixtures/avro-records.js';

async function writeContainer(options: AvroFormatConfig, records: readonly unknown[]): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new AvroWriterFormat(options).createWriter(output);
  for (let i = 0; i < records.length; i += 4) await writer.writeBatch(records.slice(i, i + 4));
  await writer.finish();
  return output.bytes();
}

const codecOptions = fc.record({
  codec: fc.constantFrom('null' as const, 'deflate' as const, 'snappy' as const),
  syncIntervalBytes: fc.integer({ min: 1, max: 400 }),
});

describe('Avro container files', () => {
  it('write → read returns the records, any codec and block size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        codecOptions,
        fc.array(orderRecord, { maxLength: 20 }),
        fc.integer({ min: 1, max: 100 }),
        async (opts, records, chunkSize) => {
          const bytes = await writeContainer({ schema: orderSchema, ...opts }, records);
          const out = await readFileRegion(new AvroFileFormat(), new MemoryFileInput(bytes, { chunkSize }));
          expect(out.records).toEqual(records);
          expect(out.bytesRead).toBeLessThanOrEqual(bytes.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('resumes exactly after any record, inside or at the end of a block (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        codecOptions,
        fc.array(orderRecord, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        async (opts, records, pick) => {
          const input = new MemoryFileInput(await writeContainer({ schema: orderSchema, ...opts }, records), {
            chunkSize: 37,
          });
          const format = new AvroFileFormat();
          const all = await readFileRegion(format, input);
          const k = pick % records.length;
          const rest = await resumeFileRegion(format, input, all.positions[k]);
          expect(rest.records).toEqual(records.slice(k + 1));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reading all regions yields every record exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(orderRecord, { maxLength: 25 }),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 8 }),
        async (records, cuts) => {
          const bytes = await writeContainer({ schema: orderSchema, syncIntervalBytes: 50 }, records);
          const input = new MemoryFileInput(bytes, { chunkSize: 64 });
          const format = new AvroFileFormat();
          const got = await readAllRegions(format, input, cuts);
          expect(got).toEqual(records);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('resolves the file schema to a reader schema', async () => {
    const v1 = { type: 'record', name: 'P', fields: [{ name: 'x', type: 'int' }] };
    const v2 = {
      type: 'record',
      name: 'P',
      fields: [
        { name: 'x', type: 'long' },
        { name: 'y', type: 'string', default: 'n/a' },
      ],
    };
    const bytes = await writeContainer({ schema: v1 }, [{ x: 1 }, { x: 2 }]);
    const out = await readFileRegion(new AvroFileFormat({ schema: v2 }), new MemoryFileInput(bytes));
    expect(out.records).toEqual([
      { x: 1, y: 'n/a' },
      { x: 2, y: 'n/a' },
    ]);
  });

  it('continues a row part file after a restore without a second header', async () => {
    const schema = { type: 'record', name: 'N', fields: [{ name: 'n', type: 'int' }] };
    const format = new AvroWriterFormat({ schema });
    expect(format.kind).toBe('row');
    expect(new AvroWriterFormat({ schema, writerKind: 'bulk' }).kind).toBe('bulk');
    const output = new MemoryFileOutput();
    const first = format.createWriter(output);
    await first.writeBatch([{ n: 1 }, { n: 2 }]);
    await first.flush();
    // The process dies here; a new writer continues the same part file.
    const second = format.createWriter(output);
    await second.writeBatch([{ n: 3 }]);
    await second.finish();
    const out = await readFileRegion(new AvroFileFormat(), new MemoryFileInput(output.bytes()));
    expect(out.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('writes a valid empty container', async () => {
    const bytes = await writeContainer({ schema: 'string' }, []);
    expect((await readFileRegion(new AvroFileFormat(), new MemoryFileInput(bytes))).records).toEqual([]);
  });

  it('reads snappy blocks (Spark and Hadoop default) and checks their CRC', async () => {
    const schemaJson = '"string"';
    const sync = syncMarkerFor(schemaJson, 'snappy');
    const values = [Buffer.from([10, ...Buffer.from('abcde')]), Buffer.from([10, ...Buffer.from('abcde')])];
    const raw = Buffer.concat(values); // two Avro strings "abcde"
    // Snappy: varint length 12, literal of 6 bytes, then a copy of 6 bytes at offset 6.
    const snappy = Buffer.from([12, (6 - 1) << 2, ...raw.subarray(0, 6), 0b01 | ((6 - 4) << 2), 6]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(raw));
    const head: number[] = [];
    writeVarLong(2, head);
    writeVarLong(snappy.length + 4, head);
    const file = Buffer.concat([
      encodeContainerHeader(schemaJson, 'snappy', sync),
      Buffer.from(head),
      snappy,
      crc,
      sync,
    ]);
    const out = await readFileRegion(new AvroFileFormat(), new MemoryFileInput(file));
    expect(out.records).toEqual(['abcde', 'abcde']);
    crc.writeUInt32BE(0);
    const bad = Buffer.concat([
      encodeContainerHeader(schemaJson, 'snappy', sync),
      Buffer.from(head),
      snappy,
      crc,
      sync,
    ]);
    const error = await rejectionOf(
      readFileRegion(new AvroFileFormat(), new MemoryFileInput(bad, { path: 'b.avro' })),
    );
    expect(error.message).toContain('checksum mismatch');
  });

  it('skips and counts the rest of a block with an undecodable record', async () => {
    const schemaJson = '"int"';
    const sync = syncMarkerFor(schemaJson, 'deflate');
    const block = (values: number[], count: number) => {
      const data = deflateRawSync(Buffer.from(values));
      const head: number[] = [];
      writeVarLong(count, head);
      writeVarLong(data.length, head);
      return Buffer.concat([Buffer.from(head), data, sync]);
    };
    // Block 1: 2, 4 then a truncated varint claimed as 2 more records; block 2: 6.
    const file = Buffer.concat([
      encodeContainerHeader(schemaJson, 'deflate', sync),
      block([4, 8, 0x80], 4),
      block([12], 1),
    ]);
    const skipping = await readFileRegion(
      new AvroFileFormat({ errors: 'skip-and-count' }),
      new MemoryFileInput(file),
    );
    expect(skipping.records).toEqual([2, 4, 6]);
    expect(skipping.skippedErrors).toBe(2);
    const error = await rejectionOf(
      readFileRegion(new AvroFileFormat(), new MemoryFileInput(file, { path: 'x.avro' })),
    );
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toContain(
      "record 2 of the block cannot be decoded (truncated) (at file 'x.avro', byte offset",
    );
    // dead-letter: the rest of the block becomes one dead letter holding its bytes; resuming after
    // it goes on with the next block.
    const input = new MemoryFileInput(file, { path: 'x.avro' });
    const format = new AvroFileFormat<number | FileDeadLetter>({ errors: 'dead-letter' });
    const dead = await readFileRegion(format, input);
    expect(dead.records.slice(0, 2)).toEqual([2, 4]);
    expect(dead.records[3]).toBe(6);
    expect(dead.records[2]).toMatchObject({
      kind: 'file-dead-letter',
      file: 'x.avro',
      records: 2,
      raw: Buffer.from([0x80]),
      error: { code: 'TRIB_RECORD_INVALID' },
    });
    expect(dead.deadLetters).toBe(2);
    expect((await resumeFileRegion(format, input, dead.positions[2])).records).toEqual([6]);
    expect((await resumeFileRegion(format, input, dead.positions[1])).records).toEqual([dead.records[2], 6]);
  });

  it('fails on files that are not Avro containers', async () => {
    const error = await rejectionOf(
      readFileRegion(new AvroFileFormat(), new MemoryFileInput('hello world', { path: 'h.txt' })),
    );
    expect(error.message).toContain('bad magic');
  });

  it('names the field of a record that does not match the schema', async () => {
    const writer = new AvroWriterFormat({ schema: orderSchema }).createWriter(new MemoryFileOutput());
    await expect(writer.writeBatch([{ id: 1, qty: 'many', customer: 'c' }])).rejects.toThrow(
      /Record 0 of the batch does not match the Avro schema test\.Order \(field qty/,
    );
  });
});
