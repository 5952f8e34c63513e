/**
 * Consistency under load: three MariaDB tables (one with a composite key, one without a primary
 * key, chunked by a unique column) are snapshotted and streamed into PostgreSQL through the JDBC
 * upsert sink and into Kafka (Debezium JSON, upsert: keyed by the primary key, deletes as
 * tombstones, exactly-once) while a workload runs concurrent inserts, updates, deletes, key
 * changes and multi-row transactions through the snapshot and the binlog phase. At the end every
 * side is read with its own client (mysql2, pg, Kafka's Java consumer) and compared row by row.
 */
import { JdbcSink } from '@tributary/connector-jdbc';
import { KafkaSink, kafkaRecordSerializer } from '@tributary/connector-kafka';
import {
  type ChangeRecord,
  type JobClient,
  Pipeline,
  silentLogger,
  stringifyExactJson,
} from '@tributary/core';
import {
  type KafkaService,
  type MariaDbService,
  type PostgresService,
  readCommittedWithJavaConsumer,
  useService,
} from '@tributary/e2e';
import { DebeziumJsonSerializationSchema } from '@tributary/format-debezium-json';
import { type Connection, createConnection } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcOptions } from '../testing-fixtures/cdc-fixtures.js';
import {
  ACCOUNTS,
  canonical,
  createAndFill,
  differingRows,
  END_MARKER_SQL,
  EVENTS,
  keyText,
  ORDER_LINES,
  readSourceTable,
  runWorkload,
  TEXT_VALUES,
  type TextRow,
  type WorkloadTable,
} from '../testing-fixtures/cdc-workload.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

const TABLES = [ACCOUNTS, ORDER_LINES, EVENTS] as const;
const ROWS = 3000;
const ROUNDS = 120;
const CATCH_UP_MS = 120_000;

describe('MySQL CDC → PostgreSQL (JDBC upsert) and Kafka (Debezium JSON upsert) under a concurrent workload', () => {
  let mariadb: MariaDbService;
  let postgres: PostgresService;
  let kafka: KafkaService;
  let db: string;
  let pgDb: string;
  let my: Connection;
  let pgClient: pg.Client;
  const jobs: JobClient[] = [];

  beforeAll(async () => {
    [mariadb, postgres, kafka] = await Promise.all([
      useService('mariadb'),
      useService('postgres'),
      useService('kafka'),
    ]);
    db = await mariadb.createDatabase('load');
    pgDb = await postgres.createDatabase('load');
    my = await createConnection({ ...mariadb.connectionOptions(db), ...TEXT_VALUES });
    // Every value as the server's text: the oracle shares no conversion code with the connector.
    pgClient = new pg.Client({
      ...postgres.clientConfig(pgDb),
      types: { getTypeParser: () => (v: string) => v },
    });
    await pgClient.connect();
  });
  afterAll(async () => {
    for (const job of jobs) await job.cancel().catch(() => {});
    await my?.end();
    await pgClient?.end();
    await mariadb?.close();
    await postgres?.close();
    await kafka?.close();
  });

  it('ends with PostgreSQL and the Kafka topics equal to MariaDB, row by row', async () => {
    for (const t of TABLES) {
      await createAndFill(my, t, ROWS);
      await pgClient.query(`CREATE TABLE ${t.name} (${t.pg})`);
    }
    const chunkKeyColumns = { [`${db}.events`]: 'ev_id' };

    for (const t of TABLES) {
      const source = new MySqlCdcSource(
        cdcOptions(mariadb, [`${db}\\.${t.name}`], { chunkSize: 400, chunkKeyColumns }),
      );
      const { host, port, user, password } = postgres.clientConfig(pgDb);
      const sink = new JdbcSink<ChangeRecord>({
        dialect: 'postgres',
        host: String(host),
        port: Number(port),
        user: String(user),
        password: String(password ?? ''),
        database: pgDb,
        table: t.name,
        input: 'changelog',
        keyColumns: [...t.key],
        batchIntervalMs: 50,
      });
      jobs.push(
        Pipeline.from(source)
          .sinkTo(sink)
          .start({ parallelism: 2, checkpointing: { intervalMs: 200 } }, { logger: silentLogger }),
      );
    }

    // One job for all three tables into one compacted topic per table.
    const topics: Record<string, string> = {};
    for (const t of TABLES)
      topics[t.name] = await kafka.createTopic({
        prefix: `cdc-${t.name}`,
        partitions: 2,
        config: { 'cleanup.policy': 'compact' },
      });
    const keyColumns = Object.fromEntries(TABLES.map((t) => [t.name, t.key]));
    const brokers = kafka.brokers;
    const source = new MySqlCdcSource(
      cdcOptions(mariadb, [`${db}\\.(accounts|order_lines|events)`], { chunkSize: 400, chunkKeyColumns }),
    );
    // #region kafka-target
    const debezium = new DebeziumJsonSerializationSchema();
    const toKafka = new KafkaSink<ChangeRecord>(
      { brokers, deliveryGuarantee: 'exactly-once', transactionalIdPrefix: `cdc-${db}` },
      kafkaRecordSerializer<ChangeRecord>({
        topic: (change) => topics[change.source?.table ?? ''] ?? 'unknown-table',
        // The primary key is the message key: every change of a row goes to one partition, in order.
        key: (change) => {
          const row = (change.after ?? change.before) as Record<string, unknown>;
          const columns = keyColumns[change.source?.table ?? ''] ?? [];
          return stringifyExactJson(Object.fromEntries(columns.map((c) => [c, row[c]])));
        },
        // Upsert: inserts, updates and snapshot reads as Debezium JSON; a delete as a tombstone.
        value: (change) => (change.op === 'd' ? null : debezium.serialize(change)),
      }),
    );
    // #endregion kafka-target
    jobs.push(
      Pipeline.from(source)
        .sinkTo(toKafka)
        .start({ parallelism: 2, checkpointing: { intervalMs: 200 } }, { logger: silentLogger }),
    );

    // The workload: runs while the snapshot and then the binlog phase go on.
    await Promise.all(TABLES.map((t) => runWorkload(mariadb, db, t, { rows: ROWS, rounds: ROUNDS })));
    for (const t of TABLES) await my.query(END_MARKER_SQL[t.name]);

    const deadline = Date.now() + CATCH_UP_MS;
    const failedJob = async () => {
      for (const j of jobs) if (j.status() === 'failed') await j.result;
    };
    for (const t of TABLES) {
      for (;;) {
        const { rows } = await pgClient.query(`SELECT 1 FROM ${t.name} WHERE ${t.key[0]} = -1`);
        if (rows.length > 0) break;
        await failedJob();
        if (Date.now() > deadline) throw new Error(`the end marker of ${t.name} never reached PostgreSQL`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const t of TABLES) {
      const { rows } = await pgClient.query(`SELECT * FROM ${t.name}`);
      const target = new Map(rows.map((r: Record<string, unknown>) => [keyText(t, r), canonical(r)]));
      expect(differingRows(await readSourceTable(my, t), target), `PostgreSQL ${t.name}`).toEqual([]);
    }

    // Kafka, read by Kafka's own Java consumer (read_committed): the latest value per key.
    for (const t of TABLES) {
      let table = await latestPerKey(kafka, topics[t.name] as string, t);
      const endKey = t.key.map(() => '-1').join('|');
      while (!table.has(endKey)) {
        await failedJob();
        if (Date.now() > deadline) throw new Error(`the end marker of ${t.name} never reached Kafka`);
        table = await latestPerKey(kafka, topics[t.name] as string, t);
      }
      expect(differingRows(await readSourceTable(my, t), table), `Kafka ${t.name}`).toEqual([]);
    }
  });
});

/**
 * The table a compacted topic stands for: per key the `after` row of its latest Debezium JSON
 * message, a tombstone removing it. Parsed with `JSON.parse` (no connector or format code).
 */
async function latestPerKey(
  kafka: KafkaService,
  topic: string,
  table: WorkloadTable,
): Promise<Map<string, TextRow>> {
  const rows = new Map<string, TextRow>();
  for (const partition of await readCommittedWithJavaConsumer(kafka.brokers, topic)) {
    for (const [i, value] of partition.values.entries()) {
      const key = keyText(table, JSON.parse(partition.keys[i] ?? 'null') as Record<string, unknown>);
      if (value === null) rows.delete(key);
      else rows.set(key, canonical((JSON.parse(value) as { after: Record<string, unknown> }).after));
    }
  }
  return rows;
}
