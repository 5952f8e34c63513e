import { createServer, type Server, Socket } from 'node:net';
import { type ChangeRecord, hasErrorCode } from '@tributary/core';
import { type MariaDbService, useService } from '@tributary/e2e';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { SchemaCache } from '../schema/schema-cache.js';
import { BinlogSplitStream } from '../source/binlog-split-stream.js';
import type { CdcElement } from '../source/cdc-element.js';
import type { BinlogEvent } from './binlog-client.js';
import { type BinlogPosition, compareBinlogPositions } from './binlog-position.js';
import { ZongJiBinlogClient } from './zongji-binlog-client.js';

let serverIds = 30_000 + (process.pid % 1000) * 8;

describe('ZongJiBinlogClient on MariaDB', () => {
  let mariadb: MariaDbService;
  let db: string;
  let connection: Connection;

  beforeAll(async () => {
    mariadb = await useService('mariadb');
    db = await mariadb.createDatabase('binlog');
    connection = await createConnection(mariadb.connectionOptions(db));
  });
  afterAll(async () => {
    await connection?.end();
    await mariadb?.close();
  });

  const master = async (): Promise<BinlogPosition> => {
    const [rows] = await connection.query<RowDataPacket[]>('SHOW MASTER STATUS');
    return { file: String(rows[0]?.File), pos: Number(rows[0]?.Position) };
  };

  it('resumes mid-transaction exactly: skips the rows events and rows already emitted', async () => {
    await connection.query('CREATE TABLE r (id INT PRIMARY KEY, v INT)');
    const start = await master();
    await connection.query('BEGIN');
    for (let e = 0; e < 3; e++)
      await connection.query(`INSERT INTO r VALUES (${e * 10}, 0), (${e * 10 + 1}, 0), (${e * 10 + 2}, 0)`);
    await connection.query('COMMIT');
    const end = await master();

    const read = async (
      from: BinlogPosition,
      eventsToSkip: number,
      rowsToSkip: number,
    ): Promise<CdcElement[]> => {
      const stream = new BinlogSplitStream(
        { kind: 'binlog', splitId: 'binlog', offset: { ...from, eventsToSkip, rowsToSkip }, chunks: [] },
        {
          client: new ZongJiBinlogClient(mariadb.connectionOptions(), '+00:00'),
          serverId: serverIds++,
          schemas: new SchemaCache(async () => connection),
          captured: (d, t) => d === db && t === 'r',
          chunkKeyColumns: {},
          batchSize: 100,
        },
      );
      const out: CdcElement[] = [];
      try {
        while (!out.some((e) => e.kind === 'change' && e.records.length === 0 && e.offset.pos === end.pos))
          out.push(...(await stream.next(false)));
      } finally {
        await stream.close();
      }
      return out;
    };
    const ids = (elements: CdcElement[]) =>
      elements.flatMap((e) =>
        e.kind === 'change' ? e.records.map((r) => ((r as ChangeRecord).after as { id: number }).id) : [],
      );

    const all = await read(start, 0, 0);
    expect(ids(all)).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]);
    // The transaction's start (other tests may write to the shared server before it).
    const rows = all.filter((e) => e.kind === 'change' && e.records.length > 0);
    const first = rows[0] as Extract<CdcElement, { kind: 'change' }>;
    const txn = { file: first.offset.file, pos: first.offset.pos };
    expect(compareBinlogPositions(txn, start)).toBeGreaterThanOrEqual(0);
    // The offset after row 2 of event 1 says: skip event 0 and rows 0-1 of event 1... and row 2.
    expect(rows[4]).toMatchObject({ offset: { ...txn, eventsToSkip: 1, rowsToSkip: 2 } });
    expect(ids(await read(txn, 1, 2))).toEqual([12, 20, 21, 22]);
    expect(ids(await read(txn, 2, 3))).toEqual([]);
  });

  it('bounds the binlog queue behind a slow reader: the connection pauses and nothing is lost', async () => {
    await connection.query('CREATE TABLE q (id INT PRIMARY KEY, v VARCHAR(20))');
    const start = await master();
    const rowsPerStatement = 20;
    for (let t = 0; t < 40; t++) {
      const values = Array.from({ length: rowsPerStatement }, (_, i) => `(${t * rowsPerStatement + i}, 'v')`);
      await connection.query(`INSERT INTO q VALUES ${values.join(',')}`);
    }
    const total = 40 * rowsPerStatement;
    const client = new ZongJiBinlogClient(mariadb.connectionOptions(), '+00:00');
    let pauses = 0;
    const pause = client.pause.bind(client);
    client.pause = () => {
      pauses++;
      pause();
    };
    const queueLimit = 64;
    const stream = new BinlogSplitStream(
      { kind: 'binlog', splitId: 'binlog', offset: { ...start, eventsToSkip: 0, rowsToSkip: 0 }, chunks: [] },
      {
        client,
        serverId: serverIds++,
        schemas: new SchemaCache(async () => connection),
        captured: (d, t) => d === db && t === 'q',
        chunkKeyColumns: {},
        batchSize: 4,
        queueLimit,
      },
    );
    const ids: number[] = [];
    try {
      while (ids.length < total) {
        for (const element of await stream.next(false))
          if (element.kind === 'change')
            for (const record of element.records)
              ids.push((record as ChangeRecord<{ id: number }>).after?.id as number);
        // The slow sink: the queue fills while this reader sleeps.
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await stream.close();
    }
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(pauses).toBeGreaterThan(0);
    // The queue never held more than the limit plus the one rows event that crossed it.
    expect(stream.maxQueued).toBeLessThanOrEqual(queueLimit + rowsPerStatement);
  });

  it('fails with TRIB_CDC_BINLOG_CHECKSUM when an event is corrupted on the wire', async () => {
    await connection.query('CREATE TABLE c (id INT PRIMARY KEY, note VARCHAR(40))');
    const { host, port } = mariadb.connectionOptions();
    const proxy = await corruptingProxy(String(host), Number(port), Buffer.from('CORRUPT-ME'));
    const client = new ZongJiBinlogClient(
      { ...mariadb.connectionOptions(), host: '127.0.0.1', port: proxy.port },
      '+00:00',
    );
    const events: BinlogEvent[] = [];
    const start = await master();
    const failed = new Promise<Error>((resolve) => {
      client
        .start({ start, serverId: serverIds++ }, { onEvent: (e) => events.push(e), onError: resolve })
        .catch(resolve);
    });
    try {
      await connection.query("INSERT INTO c VALUES (1, 'fine')");
      await connection.query("INSERT INTO c VALUES (2, 'CORRUPT-ME')");
      const error = await failed;
      expect(hasErrorCode(error, MySqlCdcErrorCodes.BINLOG_CHECKSUM), String(error)).toBe(true);
      expect(proxy.corrupted()).toBe(true);
      // The event before the corrupted one came through decoded.
      const ofC = events.filter((e) => e.type === 'rows' && e.db === db && e.table === 'c');
      expect(ofC.some((e) => e.type === 'rows' && e.rows[0]?.after?.note === 'fine')).toBe(true);
      expect(ofC.some((e) => e.type === 'rows' && e.rows[0]?.after?.note !== 'fine')).toBe(false);
    } finally {
      await client.close();
      proxy.close();
    }
  });
});

/** A TCP proxy that flips one byte of the first server→client chunk containing `marker`. */
async function corruptingProxy(host: string, port: number, marker: Buffer) {
  let corrupted = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    upstream.connect(port, host);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const at = corrupted ? -1 : chunk.indexOf(marker);
      if (at >= 0) {
        corrupted = true;
        chunk[at] = (chunk[at] as number) ^ 0x20;
      }
      client.write(chunk);
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    port: address.port,
    corrupted: () => corrupted,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
