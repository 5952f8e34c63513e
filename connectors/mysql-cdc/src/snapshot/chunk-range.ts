/** A half-open range of an integer chunk key, bounds as decimal text (absent: open). */
export interface ChunkRange {
  readonly start?: string | undefined;
  readonly end?: string | undefined;
}

/** The key value as a bigint for range tests, or undefined if it is not an integer. */
export function integerKey(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

/** True when `value` lies in `[start, end)`. A non-integer value is only in the unbounded range. */
export function inRange(range: ChunkRange, value: unknown): boolean {
  if (range.start === undefined && range.end === undefined) return true;
  const key = integerKey(value);
  if (key === undefined) return false;
  if (range.start !== undefined && key < BigInt(range.start)) return false;
  if (range.end !== undefined && key >= BigInt(range.end)) return false;
  return true;
}

/** A stable text of a row's key (bigints and strings kept apart). */
export function rowKeyText(row: Record<string, unknown>, columns: readonly string[]): string {
  let text = '';
  for (const c of columns) {
    const v = row[c];
    text += `${typeof v === 'bigint' || typeof v === 'number' ? `n${v}` : Buffer.isBuffer(v) ? `b${v.toString('hex')}` : JSON.stringify(v ?? null)}\u0000`;
  }
  return text;
}
