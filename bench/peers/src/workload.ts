import type { AvroSchema } from '@tributary/format-avro';

/** One benchmark record: a JSON event whose `pad` brings it to the record size. */
export interface BenchEvent {
  readonly id: number;
  /** Producer time (ms since the epoch): what end-to-end latency is measured from. */
  readonly ts: number;
  readonly pad: string;
}

export const EVENT_AVRO_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'Event',
  namespace: 'dev.tributary.bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'ts', type: 'long' },
    { name: 'pad', type: 'string' },
  ],
};

/** The record sizes of the issue: 100 B and 1 KB JSON values. */
export const RECORD_SIZES = [100, 1024] as const;

/** A JSON value of exactly `size` bytes for event `id` sent at `ts`. */
export function eventJson(id: number, ts: number, size: number): Buffer {
  const head = `{"id":${id},"ts":${ts},"pad":"`;
  const padLength = Math.max(0, size - head.length - 2);
  // Varied padding (not one repeated byte) so nothing benefits from trivially compressible data.
  let pad = '';
  for (let i = 0; pad.length < padLength; i++) pad += ((id * 31 + i * 7) % 36).toString(36);
  return Buffer.from(`${head}${pad.slice(0, padLength)}"}`);
}

/** The event time embedded in an output value: JSON pass-through or the Avro record's `ts`. */
export function embeddedTimestamp(value: Buffer, avro: boolean): number {
  if (!avro) return Number(/"ts":(\d+)/.exec(value.toString('latin1', 0, 64))?.[1]);
  // Avro binary: zig-zag varint `id`, then zig-zag varint `ts`.
  let offset = 0;
  const varint = (): number => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = value[offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    return Number((result >> 1n) ^ -(result & 1n));
  };
  varint();
  return varint();
}

/**
 * One CSV line `id,ts,pad` of exactly `size` bytes (newline included) for the files scenario: the
 * same fields as the Kafka events, padding from [0-9a-z] so no field needs quoting.
 */
export function eventCsvLine(id: number, ts: number, size: number): string {
  const head = `${id},${ts},`;
  const padLength = Math.max(0, size - head.length - 1);
  let pad = '';
  for (let i = 0; pad.length < padLength; i++) pad += ((id * 31 + i * 7) % 36).toString(36);
  return `${head}${pad.slice(0, padLength)}\n`;
}
