import {
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SourceReaderMetricGroup,
  type SplitReader,
  type SplitsChange,
  WakeUpLatch,
} from '@tributary/core';
import type { Connection } from 'mysql2/promise';
import type { BinlogClient } from '../binlog/binlog-client.js';
import { SchemaCache } from '../schema/schema-cache.js';
import { integerKey } from '../snapshot/chunk-range.js';
import { ChunkReader, type ChunkSnapshot } from '../snapshot/chunk-reader.js';
import { BinlogSplitStream } from './binlog-split-stream.js';
import type { CdcElement } from './cdc-element.js';
import type { ResolvedMySqlCdcSourceOptions } from './mysql-cdc-source-options.js';
import { databaseMatcher, tableMatcher } from './mysql-cdc-source-options.js';
import {
  BINLOG_SPLIT_ID,
  type BinlogSplit,
  type MySqlCdcSplit,
  type SnapshotSplit,
} from './mysql-cdc-split.js';
import { openConnection } from './mysql-connection.js';
import { NewTableSnapshot } from './new-table-snapshot.js';
import { type CdcRecord, isSchemaChangeEvent } from './schema-change-event.js';

/**
 * One fetch loop per reader: snapshot chunks one after another (each fetch returns a whole
 * chunk and finishes its split), then the binlog split, which never ends. A chunk that was
 * already read before a restore (it carries its high watermark) finishes at once.
 */
export class MySqlCdcSplitReader implements SplitReader<CdcElement, MySqlCdcSplit> {
  private readonly chunks: SnapshotSplit[] = [];
  /** The binlog split before it streams: reading its newly added tables. */
  private newTables: NewTableSnapshot | undefined;
  private binlog: BinlogSplitStream | undefined;
  private readonly connectionFactory: () => Promise<Connection>;
  private connection: Promise<Connection> | undefined;
  private readonly schemas: SchemaCache;
  private readonly chunkReader: ChunkReader;
  private readonly latch = new WakeUpLatch();
  private readonly captured: (db: string, table: string) => boolean;

  constructor(
    private readonly options: ResolvedMySqlCdcSourceOptions,
    private readonly newBinlogClient: () => BinlogClient,
    private readonly serverId: number,
    private readonly metrics: SourceReaderMetricGroup,
  ) {
    const connection = () => {
      this.connection ??= openConnection(options);
      this.connection.catch(() => {
        this.connection = undefined;
      });
      return this.connection;
    };
    this.connectionFactory = connection;
    this.schemas = new SchemaCache(connection);
    this.chunkReader = new ChunkReader(connection, this.schemas, newBinlogClient, serverId);
    this.captured = tableMatcher(options);
  }

  async fetch(): Promise<RecordsWithSplitIds<CdcElement>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      if (chunk.finished === true) return RecordsBySplits.finished([chunk.splitId]);
      try {
        const snapshot = await this.chunkReader.read(chunk);
        this.metrics.numBytesIn.inc(approximateBytes(snapshot.records));
        return RecordsBySplits.forSplit(chunk.splitId, [chunkElement(chunk, snapshot)], true);
      } catch (error) {
        this.chunks.unshift(chunk);
        await this.resetConnection();
        throw error;
      }
    }
    if (this.newTables !== undefined) return this.readNewTables(this.newTables);
    const binlog = this.binlog;
    if (binlog !== undefined) {
      const elements = await binlog.next(this.options.onPurged === 're-snapshot');
      for (const element of elements)
        if (element.kind === 'change' && element.records.length > 0)
          this.metrics.numBytesIn.inc(approximateBytes(element.records));
      const purged = elements.length === 1 && elements[0]?.kind === 'purged';
      if (purged) {
        this.binlog = undefined;
        await binlog.close();
      }
      return RecordsBySplits.forSplit(binlog.split.splitId, elements, purged);
    }
    await this.latch.sleep(60_000);
    return RecordsBySplits.empty();
  }

  handleSplitsChanges(change: SplitsChange<MySqlCdcSplit>): void {
    if (change.type !== 'add') return;
    for (const split of change.splits) {
      if (split.kind === 'snapshot') this.chunks.push(split);
      else
        this.newTables = new NewTableSnapshot(split, this.connectionFactory, this.chunkReader, this.options);
    }
    this.latch.wakeUp();
  }

  /** Emits the next chunk of a newly added table, or starts streaming once there is none. */
  private async readNewTables(newTables: NewTableSnapshot): Promise<RecordsWithSplitIds<CdcElement>> {
    let element: CdcElement | undefined;
    try {
      element = await newTables.next();
    } catch (error) {
      await this.resetConnection();
      throw error;
    }
    if (element !== undefined) {
      if (element.kind === 'table-chunk')
        this.metrics.numBytesIn.inc(approximateBytes(element.snapshot.records));
      return RecordsBySplits.forSplit(BINLOG_SPLIT_ID, [element], false);
    }
    this.newTables = undefined;
    this.startStreaming(newTables.streamingSplit());
    return RecordsBySplits.empty();
  }

  private startStreaming(split: BinlogSplit): void {
    this.binlog = new BinlogSplitStream(split, {
      client: this.newBinlogClient(),
      serverId: this.serverId,
      schemas: this.schemas,
      captured: this.captured,
      capturedDatabase: databaseMatcher(this.options),
      chunkKeyColumns: this.options.chunkKeyColumns,
      batchSize: this.options.binlogBatchSize,
      queueLimit: this.options.binlogQueueLimit,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      includeSchemaChanges: this.options.includeSchemaChanges,
      unknownDdl: this.options.unknownDdl,
    });
  }

  wakeUp(): void {
    this.latch.wakeUp();
    this.binlog?.wakeUp();
  }

  async close(): Promise<void> {
    await this.binlog?.close();
    await this.resetConnection();
  }

  private async resetConnection(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) await (await connection.catch(() => undefined))?.end().catch(() => {});
  }
}

/** A chunk's element: its rows (in chunk-key order) and where each chunk-key group starts. */
export function chunkElement(split: SnapshotSplit, snapshot: ChunkSnapshot): CdcElement {
  const { records, highWatermark } = snapshot;
  const keys = records.map((r) => integerKey((r.after as Record<string, unknown>)[split.chunkKey]));
  const groupStarts: number[] = [];
  if (records.length > 0) {
    if (keys.some((k) => k === undefined)) groupStarts.push(0);
    else for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) groupStarts.push(i);
  }
  return { kind: 'chunk', records, groupStarts, highWatermark };
}

function approximateBytes(records: readonly CdcRecord[]): number {
  let bytes = 0;
  for (const record of records) {
    if (isSchemaChangeEvent(record)) {
      bytes += record.ddl.length;
      continue;
    }
    const row = (record.after ?? record.before ?? {}) as Record<string, unknown>;
    for (const value of Object.values(row))
      bytes += typeof value === 'string' ? value.length : Buffer.isBuffer(value) ? value.length : 8;
  }
  return bytes;
}
