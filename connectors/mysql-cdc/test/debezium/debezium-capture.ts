/**
 * Runs `DebeziumChangeCapture.java` (Debezium's embedded engine with its MariaDB connector, jars
 * from Maven Central) against one table and collects the JSON messages it produces: the engine
 * snapshots the table, the caller's `afterSnapshot` then changes it, and the capture ends once
 * `expectedMessages` messages (tombstones included) arrived.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { javaCommand } from '@tributary/e2e';
import { debeziumClassPath } from '../../bench/debezium-peer.js';

/** One data message of the table, as Kafka Connect's JsonConverter wrote it. */
export interface CapturedMessage {
  /** The key without schema (`{"id":1}`). */
  readonly key: string;
  /** The value with `schemas.enable=true` (`{schema, payload}`); null for a tombstone. */
  readonly withSchema: string | null;
  /** The value with `schemas.enable=false`; null for a tombstone. */
  readonly noSchema: string | null;
}

export interface DebeziumCaptureRun {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly db: string;
  readonly table: string;
  readonly serverId: number;
  /** Snapshot reads (`op: 'r'`) to wait for before `afterSnapshot`. */
  readonly snapshotRows: number;
  /** Changes the table once the snapshot is in (they are after its binlog position). */
  readonly afterSnapshot: () => Promise<void>;
  /** Every message of the run, snapshot and tombstones included. */
  readonly expectedMessages: number;
  readonly timeoutSeconds?: number;
}

export async function captureDebeziumMessages(run: DebeziumCaptureRun): Promise<CapturedMessage[]> {
  const classPath = await debeziumClassPath();
  const source = fileURLToPath(new URL('./DebeziumChangeCapture.java', import.meta.url));
  const timeoutSeconds = run.timeoutSeconds ?? 240;
  const args = Object.entries({
    host: run.host,
    port: run.port,
    user: run.user,
    password: run.password,
    db: run.db,
    table: run.table,
    serverId: run.serverId,
    timeoutSeconds,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const child = spawn(
    javaCommand(),
    ['-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classPath, source, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const messages: CapturedMessage[] = [];
  let snapshotReads = 0;
  let changed: Promise<void> | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('MSG ')) continue;
    const message = JSON.parse(line.slice(4)) as CapturedMessage;
    messages.push(message);
    if (message.noSchema !== null && (JSON.parse(message.noSchema) as { op?: string }).op === 'r')
      snapshotReads += 1;
    if (snapshotReads === run.snapshotRows && changed === undefined) changed = run.afterSnapshot();
    if (messages.length >= run.expectedMessages) break;
  }
  child.stdin.end();
  const code = await exited;
  await changed;
  if (messages.length < run.expectedMessages)
    throw new Error(
      `Debezium capture got ${messages.length} of ${run.expectedMessages} messages (exit ${code}):\n${stderr}`,
    );
  return messages;
}
