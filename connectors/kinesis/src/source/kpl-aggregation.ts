import { createHash } from 'node:crypto';
import { TributaryError } from '@tributary/core';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';

/** The KPL aggregation format: magic, protobuf `AggregatedRecord`, MD5 of the protobuf. */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const MD5_BYTES = 16;

/** One user record of an aggregated record. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
}

/**
 * The user records of a KPL-aggregated record, or `undefined` when `data` is a plain record (no
 * magic, or too short, or its checksum does not match — as the KCL treats them). A record with
 * a matching checksum whose protobuf is malformed throws `TRIB_KINESIS_AGGREGATION_INVALID`.
 */
export function deaggregate(
  data: Uint8Array,
  partitionKey: string,
  shardId: string,
  sequenceNumber: string,
): UserRecord[] | undefined {
  if (data.byteLength < KPL_MAGIC.length + MD5_BYTES) return undefined;
  for (let i = 0; i < KPL_MAGIC.length; i++) if (data[i] !== KPL_MAGIC[i]) return undefined;
  const body = data.subarray(KPL_MAGIC.length, data.byteLength - MD5_BYTES);
  const digest = createHash('md5').update(body).digest();
  if (Buffer.compare(digest, data.subarray(data.byteLength - MD5_BYTES)) !== 0) return undefined;
  try {
    return parseAggregatedRecord(body);
  } catch (cause) {
    throw new TributaryError(
      KinesisErrorCodes.AGGREGATION_INVALID,
      `Kinesis record ${shardId}@${sequenceNumber} (partition key ${JSON.stringify(partitionKey.slice(0, 40))}) has the KPL magic and checksum but its protobuf is malformed: ${(cause as Error).message}`,
      { cause, context: { shardId, sequenceNumber } },
    );
  }
}

/** Builds an aggregated record (the KPL's format): for tests and for producers that aggregate. */
export function aggregate(records: readonly UserRecord[]): Uint8Array {
  const keys: string[] = [];
  const hashKeys: string[] = [];
  const index = (table: string[], value: string) => {
    const at = table.indexOf(value);
    if (at >= 0) return at;
    table.push(value);
    return table.length - 1;
  };
  const encoded: number[][] = [];
  for (const r of records) {
    const fields: number[] = [];
    writeVarintField(fields, 1, index(keys, r.partitionKey));
    if (r.explicitHashKey !== undefined) writeVarintField(fields, 2, index(hashKeys, r.explicitHashKey));
    writeBytesField(fields, 3, r.data);
    encoded.push(fields);
  }
  const out: number[] = [];
  for (const k of keys) writeBytesField(out, 1, Buffer.from(k));
  for (const h of hashKeys) writeBytesField(out, 2, Buffer.from(h));
  for (const fields of encoded) writeBytesField(out, 3, Uint8Array.from(fields));
  const body = Uint8Array.from(out);
  const digest = createHash('md5').update(body).digest();
  return Buffer.concat([KPL_MAGIC, body, digest]);
}

function parseAggregatedRecord(body: Uint8Array): UserRecord[] {
  const keys: string[] = [];
  const hashKeys: string[] = [];
  const raw: { key: number; hash: number | undefined; data: Uint8Array }[] = [];
  const decoder = new TextDecoder();
  forEachField(body, (field, value) => {
    if (field === 1 && value instanceof Uint8Array) keys.push(decoder.decode(value));
    else if (field === 2 && value instanceof Uint8Array) hashKeys.push(decoder.decode(value));
    else if (field === 3 && value instanceof Uint8Array) {
      let key: number | undefined;
      let hash: number | undefined;
      let data: Uint8Array | undefined;
      forEachField(value, (f, v) => {
        if (f === 1 && typeof v === 'number') key = v;
        else if (f === 2 && typeof v === 'number') hash = v;
        else if (f === 3 && v instanceof Uint8Array) data = v;
      });
      if (key === undefined || data === undefined)
        throw new Error('a user record lacks its partition key index or data');
      raw.push({ key, hash, data });
    }
  });
  return raw.map((r) => {
    const partitionKey = keys[r.key];
    if (partitionKey === undefined) throw new Error(`partition key index ${r.key} is out of range`);
    const explicitHashKey = r.hash === undefined ? undefined : hashKeys[r.hash];
    if (r.hash !== undefined && explicitHashKey === undefined)
      throw new Error(`hash key index ${r.hash} is out of range`);
    return { partitionKey, explicitHashKey, data: r.data };
  });
}

/** Walks protobuf fields: varints as numbers, length-delimited as byte views; other wire types fail. */
function forEachField(bytes: Uint8Array, visit: (field: number, value: number | Uint8Array) => void): void {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.byteLength) throw new Error('truncated varint');
      const b = bytes[pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (pos < bytes.byteLength) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) visit(field, varint());
    else if (wire === 2) {
      const length = varint();
      if (pos + length > bytes.byteLength) throw new Error('truncated length-delimited field');
      visit(field, bytes.subarray(pos, pos + length));
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function writeVarintField(out: number[], field: number, value: number): void {
  writeVarint(out, field * 8);
  writeVarint(out, value);
}

function writeBytesField(out: number[], field: number, value: Uint8Array): void {
  writeVarint(out, field * 8 + 2);
  writeVarint(out, value.byteLength);
  for (const b of value) out.push(b);
}
