import { decimalToString, toUnscaledDecimal, unscaledFromBytes, unscaledToBytes } from '@tributary/core';

/**
 * Kafka Connect's Decimal logical type on the wire: the unscaled value as big-endian two's
 * complement bytes, base64 in JSON, with the scale in the schema. Decoded to an exact decimal
 * string (`"-12.30"`), never a double; the arithmetic is core's exact-decimal helpers.
 */

/** Decodes base64 two's-complement bytes with `scale` to a decimal string; undefined if not base64. */
export function decodeConnectDecimal(base64: string, scale: number): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0 || base64 === '') return undefined;
  return decimalToString(unscaledFromBytes(Buffer.from(base64, 'base64')), scale);
}

/** Encodes an exact decimal string with `scale` as base64 two's-complement bytes; undefined if it does not fit the scale. */
export function encodeConnectDecimal(decimal: string, scale: number): string | undefined {
  let unscaled: bigint;
  try {
    // Connect's Decimal has no precision limit of its own (the column's is in a schema parameter).
    unscaled = toUnscaledDecimal(decimal, Number.MAX_SAFE_INTEGER, scale);
  } catch {
    return undefined;
  }
  const bytes = unscaledToBytes(unscaled) as Uint8Array;
  return Buffer.from(bytes).toString('base64');
}
