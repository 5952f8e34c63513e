import { recordInvalidError, type SerializationSchema } from '@tributary/core';

/**
 * Encodes a value as one UTF-8 JSON document. Values JSON cannot represent (undefined, functions,
 * BigInt, cycles) throw `TRIB_RECORD_INVALID`; the message names the problem, never the value.
 */
export class JsonSerializationSchema<T = unknown> implements SerializationSchema<T> {
  private readonly encoder = new TextEncoder();

  serialize(value: T): Uint8Array {
    return this.encoder.encode(stringifyRecord(value, undefined));
  }
}

/** `JSON.stringify` that throws `TRIB_RECORD_INVALID` for values JSON cannot represent. */
export function stringifyRecord(value: unknown, index: number | undefined): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // TypeError messages name the type or the property path of a cycle, never values.
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw recordInvalidError(`${which(index)} cannot be written as JSON: ${reason}`);
  }
  if (text === undefined) {
    throw recordInvalidError(`${which(index)} cannot be written as JSON: it is ${typeof value}`);
  }
  // JSON.stringify writes NaN and ±Infinity as null; only a text with a null can hide one.
  if (text.includes('null') && hasNonFiniteNumber(value, 0)) {
    throw recordInvalidError(
      `${which(index)} cannot be written as JSON: NaN and ±Infinity have no JSON form (JSON.stringify would write null)`,
    );
  }
  return text;
}

function hasNonFiniteNumber(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null || depth > 200) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return value.some((v) => hasNonFiniteNumber(v, depth + 1));
  for (const key in value) {
    if (hasNonFiniteNumber((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function which(index: number | undefined): string {
  return index === undefined ? 'Record' : `Record ${index} of the batch`;
}
