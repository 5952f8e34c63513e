import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { type FileInput, recordInvalidError } from '@tributary/core';
import { ByteStreamReader, readVarLong, writeVarLong } from './byte-stream-reader.js';

/** Avro object container file magic: `Obj` + version 1 (https://avro.apache.org/docs/current/specification/#object-container-files). */
export const CONTAINER_MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
export const SYNC_BYTES = 16;

/** What the header of a container file says. */
export interface ContainerHeader {
  /** Writer schema JSON text (`avro.schema`). */
  readonly schema: string;
  /** `avro.codec`: null, deflate, snappy ... */
  readonly codec: string;
  readonly sync: Buffer;
  /** Byte offset of the first block. */
  readonly end: number;
}

/** Reads and parses the header at the start of `input`. */
export async function readContainerHeader(input: FileInput): Promise<ContainerHeader> {
  const bytes = new ByteStreamReader(input.stream(0), 0);
  try {
    for (let want = 4096; ; want *= 4) {
      const available = await bytes.ensure(want);
      const header = parseContainerHeader(bytes.peek(), input.path);
      if (header !== undefined) return header;
      if (available < want) throw corrupt(input.path, 'the header is truncated');
    }
  } finally {
    await bytes.close();
  }
}

/** Parses a header from the first bytes of a file; undefined when more bytes are needed. */
export function parseContainerHeader(buf: Buffer, path: string): ContainerHeader | undefined {
  if (buf.length < 4) return undefined;
  if (!buf.subarray(0, 4).equals(CONTAINER_MAGIC))
    throw corrupt(path, 'not an Avro object container file (bad magic)');
  const meta = new Map<string, Buffer>();
  let at = 4;
  for (;;) {
    const count = readVarLong(buf, at);
    if (count === undefined) return undefined;
    at += count[1];
    let n = count[0];
    if (n === 0) break;
    if (n < 0) {
      // A negative count is followed by the block's size in bytes.
      const size = readVarLong(buf, at);
      if (size === undefined) return undefined;
      at += size[1];
      n = -n;
    }
    for (let i = 0; i < n; i++) {
      const key = readBytes(buf, at);
      if (key === undefined) return undefined;
      const value = readBytes(buf, key[1]);
      if (value === undefined) return undefined;
      meta.set(key[0].toString('utf8'), value[0]);
      at = value[1];
    }
  }
  if (buf.length < at + SYNC_BYTES) return undefined;
  const schema = meta.get('avro.schema');
  if (schema === undefined) throw corrupt(path, 'the header has no avro.schema');
  return {
    schema: schema.toString('utf8'),
    codec: meta.get('avro.codec')?.toString('utf8') ?? 'null',
    sync: Buffer.from(buf.subarray(at, at + SYNC_BYTES)),
    end: at + SYNC_BYTES,
  };
}

/** Encodes a container header. */
export function encodeContainerHeader(schemaJson: string, codec: string, sync: Buffer): Buffer {
  const parts: Buffer[] = [CONTAINER_MAGIC];
  const entries: [string, string][] = [
    ['avro.schema', schemaJson],
    ['avro.codec', codec],
  ];
  const count: number[] = [];
  writeVarLong(entries.length, count);
  parts.push(Buffer.from(count));
  for (const [key, value] of entries) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      const len: number[] = [];
      writeVarLong(bytes.length, len);
      parts.push(Buffer.from(len), bytes);
    }
  }
  parts.push(Buffer.from([0]), sync);
  return Buffer.concat(parts);
}

/**
 * The sync marker for a schema and codec. Deterministic rather than random, so a `row` writer that
 * continues a part file after a restore writes blocks with the marker its header already holds.
 */
export function syncMarkerFor(schemaJson: string, codec: string): Buffer {
  return createHash('sha256')
    .update(`tributary-avro-sync\0${schemaJson}\0${codec}`)
    .digest()
    .subarray(0, SYNC_BYTES);
}

function readBytes(buf: Buffer, at: number): [Buffer, number] | undefined {
  const len = readVarLong(buf, at);
  if (len === undefined) return undefined;
  const from = at + len[1];
  const to = from + len[0];
  if (to > buf.length) return undefined;
  return [buf.subarray(from, to), to];
}

/** A structural error in a container file (not one bad record): always fails the read. */
export function corrupt(path: string, reason: string, offset?: number) {
  return recordInvalidError(`Corrupt Avro container file: ${reason}`, { file: path, offset });
}
