import { BigDecimal } from './big-decimal.js';

/** Node socket error codes that mean the connection is gone or could not be made. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
]);

export function isConnectionErrorCode(code: string): boolean {
  return CONNECTION_CODES.has(code);
}

/** JSON text of a value; a bigint becomes a number when exact, else its digits as a string. */
export function toJsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, (_key, v) =>
    typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v,
  );
}

/** A plain object or array (not a Date, Buffer or typed array): stored as JSON text. */
export function isJsonLike(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof BigDecimal) return false;
  return true;
}

/** A BigDecimal is bound as its exact text (every driver takes a decimal string). */
export function decimalParameter(value: unknown): unknown {
  return value instanceof BigDecimal ? value.toString() : value;
}

/** Decimal text (or a number) read from a DECIMAL column, as the `decimals` option asks. */
export function readDecimal(value: unknown, decimals: 'string' | 'big-decimal' | undefined): unknown {
  if (decimals !== 'big-decimal' || value === null || value === undefined) return value;
  return BigDecimal.from(value as string | number | bigint);
}
