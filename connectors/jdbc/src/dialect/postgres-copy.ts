import type { Client } from 'pg';

/** What pg's connection offers a custom query during COPY FROM STDIN. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const SPECIAL = /[\\\t\n\r]/;

/** A text value in COPY's text format (backslash escapes; `\N` is NULL). */
function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/**
 * Encodes rows (values already as pg would bind them: `prepareValue` output) as COPY text lines:
 * the same text the server parses for a bound parameter, so COPY and INSERT store the same values.
 */
export function copyText(
  rows: readonly (readonly unknown[])[],
  prepareValue: (value: unknown) => unknown,
): string {
  const lines: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly unknown[];
    let line = '';
    for (let c = 0; c < row.length; c++) {
      if (c > 0) line += '\t';
      const value = row[c];
      if (value === null || value === undefined) {
        line += '\\N';
        continue;
      }
      const prepared = typeof value === 'string' ? value : prepareValue(value);
      if (prepared === null || prepared === undefined) line += '\\N';
      else if (Buffer.isBuffer(prepared)) line += `\\\\x${prepared.toString('hex')}`;
      else line += escapeText(String(prepared));
    }
    lines[r] = line;
  }
  return `${lines.join('\n')}\n`;
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
