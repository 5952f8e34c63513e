/**
 * Kafka Connect's Decimal logical type on the wire: the unscaled value as big-endian two's
 * complement bytes, base64 in JSON, with the scale in the schema. Decoded to an exact decimal
 * string (`"-12.30"`), never a double.
 */

/** Decodes base64 two's-complement bytes with `scale` to a decimal string; undefined if not base64. */
export function decodeConnectDecimal(base64: string, scale: number): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return undefined;
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  if ((bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  return formatScaled(unscaled, scale);
}

/** Encodes an exact decimal string with `scale` as base64 two's-complement bytes; undefined if it does not fit the scale. */
export function encodeConnectDecimal(decimal: string, scale: number): string | undefined {
  const unscaled = unscaledOf(decimal, scale);
  if (unscaled === undefined) return undefined;
  let length = 1;
  while (unscaled < -(1n << BigInt(length * 8 - 1)) || unscaled >= 1n << BigInt(length * 8 - 1)) length++;
  let value = unscaled < 0n ? unscaled + (1n << BigInt(length * 8)) : unscaled;
  const bytes = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return Buffer.from(bytes).toString('base64');
}

function formatScaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits = digits === '0' ? '0' : digits + '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

/** The unscaled integer of `decimal` at `scale`, or undefined when it has more fraction digits than `scale` allows. */
function unscaledOf(decimal: string, scale: number): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (match === null) return undefined;
  let fraction = match[3] ?? '';
  const intPart = match[2] as string;
  if (scale < 0) {
    if (fraction.replace(/0+$/, '') !== '') return undefined;
    const zeros = intPart.slice(intPart.length + scale);
    if (!/^0*$/.test(zeros)) return undefined;
    const value = BigInt(intPart.slice(0, intPart.length + scale) || '0');
    return match[1] === '-' ? -value : value;
  }
  if (fraction.length > scale) {
    if (!/^0*$/.test(fraction.slice(scale))) return undefined;
    fraction = fraction.slice(0, scale);
  }
  const value = BigInt(intPart + fraction.padEnd(scale, '0'));
  return match[1] === '-' ? -value : value;
}
