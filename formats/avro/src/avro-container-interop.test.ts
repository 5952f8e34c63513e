import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import avro from 'avsc';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { AvroFileFormat } from './avro-file-format.js';
import { AvroWriterFormat } from './avro-writer-format.js';

// avsc's own container streams, with the codecs the Avro spec defines (avsc ships deflate only).
const avscCodecs: Record<
  string,
  (buffer: Buffer, done: (error: Error | null, out?: Buffer) => void) => void
> = {
  null: (buffer, done) => done(null, buffer),
  deflate: (buffer, done) => done(null, inflateRawSync(buffer)),
  snappy: (buffer, done) => {
    const body = Buffer.from(snappyUncompress(buffer.subarray(0, buffer.length - 4)));
    const ok = crc32(body) === buffer.readUInt32BE(buffer.length - 4);
    done(ok ? null : new Error('snappy checksum mismatch'), body);
  },
};
const avscEncoders: typeof avscCodecs = {
  null: (buffer, done) => done(null, buffer),
  deflate: (buffer, done) => done(null, deflateRawSync(buffer)),
  snappy: (buffer, done) => {
    const body = Buffer.from(snappyCompress(buffer));
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(buffer));
    done(null, Buffer.concat([body, crc]));
  },
};

const schema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'seq', type: 'long' },
  ],
} satisfies avro.Schema & Record<string, unknown>;
// Repetitive enough that snappy and deflate really compress, over several blocks.
const records = Array.from({ length: 3000 }, (_, i) => ({ sensor: `sensor-${i % 7}`, value: i / 4, seq: i }));

async function decodeWithAvsc(bytes: Uint8Array): Promise<{ codec: string; records: unknown[] }> {
  const decoder = new avro.streams.BlockDecoder({ codecs: avscCodecs });
  let codec = '';
  decoder.on('metadata', (_type: unknown, c: string) => {
    codec = c;
  });
  const out: unknown[] = [];
  Readable.from([Buffer.from(bytes)]).pipe(decoder);
  for await (const record of decoder) out.push({ ...record });
  return { codec, records: out };
}

async function encodeWithAvsc(codec: string): Promise<Buffer> {
  const encoder = new avro.streams.BlockEncoder(schema, { codec, codecs: avscEncoders, blockSize: 4096 });
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of encoder) chunks.push(chunk as Buffer);
  })();
  for (const r of records) encoder.write(r);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

describe.each(['null', 'deflate', 'snappy'] as const)('Avro container interop with avsc (%s)', (codec) => {
  it('avsc reads what the writer wrote', async () => {
    const output = new MemoryFileOutput();
    const writer = new AvroWriterFormat({ schema, codec, syncIntervalBytes: 4096 }).createWriter(output);
    await writer.writeBatch(records);
    await writer.finish();
    const decoded = await decodeWithAvsc(output.bytes());
    expect(decoded.codec).toBe(codec);
    expect(decoded.records).toEqual(records);
    if (codec !== 'null') expect(output.bytes().length).toBeLessThan(records.length * 12);
  });

  it('the reader reads what avsc wrote', async () => {
    const bytes = await encodeWithAvsc(codec);
    const out = await readFileRegion(new AvroFileFormat(), new MemoryFileInput(bytes));
    expect(out.records).toEqual(records);
  });
});
