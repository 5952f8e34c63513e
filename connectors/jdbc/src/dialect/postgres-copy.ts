import type { Client } from 'pg';
import { type CopyFieldEncoder, escapingStringsAndNumbers } from './dialect.js';

/** What pg's connection offers a custom query during COPY FROM STDIN. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** A character COPY's text format escapes. */
export const COPY_SPECIAL = /[\\\t\n\r]/;

/**
 * A text value in COPY's text format (backslash escapes; `\N` is NULL). One regex scan finds
 * whether anything needs escaping (faster than a `charCodeAt` loop in V8); most text is returned as is.
 */
export function escapeCopyText(text: string): string {
  if (!COPY_SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

const NULL_FIELD = '\\N';

/**
 * The COPY text encoder of a column. `toParameter` is the dialect's conversion for the column
 * (JSON text, exact decimals) and `prepareValue` pg's own (dates, arrays, buffers), so a field
 * holds the text the server parses for a bound parameter: COPY and INSERT store the same values.
 * Strings, numbers and bigints (the common values) skip both: their text is known.
 */
export function copyFieldEncoder(
  toParameter: (value: unknown) => unknown,
  prepareValue: (value: unknown) => unknown,
  json: boolean,
): CopyFieldEncoder {
  const general = (value: unknown): string => {
    const prepared = prepareValue(toParameter(value));
    if (prepared === null || prepared === undefined) return NULL_FIELD;
    if (Buffer.isBuffer(prepared)) return `\\\\x${prepared.toString('hex')}`;
    return escapeCopyText(String(prepared));
  };
  if (json)
    return (value) =>
      value === null || value === undefined ? NULL_FIELD : escapeCopyText(String(toParameter(value)));
  return escapingStringsAndNumbers((value) => {
    if (typeof value === 'string') return escapeCopyText(value);
    // Number text (digits, '.', 'e', '-', 'NaN', 'Infinity') never needs escaping.
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (value === null || value === undefined) return NULL_FIELD;
    return general(value);
  });
}

const CHUNK_BYTES = 1 << 20;

/**
 * `COPY … FROM STDIN` on a pg client through its custom-query hook (the protocol pg-copy-streams
 * speaks, without the dependency): sends `text` in chunks and resolves with the rows copied.
 */
export function copyFrom(client: Client, sql: string, text: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let copied = 0;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve(copied);
      else reject(error);
    };
    const query = {
      submit(connection: CopyConnection) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection) {
        const data = Buffer.from(text, 'utf8');
        for (let start = 0; start < data.length; start += CHUNK_BYTES)
          connection.sendCopyFromChunk(data.subarray(start, start + CHUNK_BYTES));
        connection.endCopyFrom();
      },
      handleCommandComplete(message: { text?: string }) {
        copied = Number(/COPY (\d+)/.exec(message.text ?? '')?.[1] ?? 0);
      },
      // pg drops the query on an ErrorResponse (its ReadyForQuery goes to no query): settle now.
      handleError(e: unknown) {
        finish(e);
      },
      handleReadyForQuery() {
        finish(undefined);
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    (client as unknown as { query(q: object): void }).query(query);
  });
}
