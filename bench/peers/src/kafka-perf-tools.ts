import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What Kafka's own perf tools measured: the broker's ceiling on this machine with Java clients. */
export interface PerfToolResult {
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
}

/**
 * `kafka-producer-perf-test`: `records` values of `size` bytes into `topic`, unthrottled, with
 * acks=all and idempotence (the connectors' at-least-once settings).
 */
export async function producerPerfTest(
  java: string,
  classPath: string,
  bootstrap: string,
  topic: string,
  records: number,
  size: number,
): Promise<PerfToolResult> {
  const stdout = await runTool(java, classPath, 'ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(size),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${bootstrap}`,
    'acks=all',
    'enable.idempotence=true',
    // The same batching the peer jobs get (see FlinkPeerJob.sink).
    'batch.size=1048576',
    'linger.ms=5',
  ]);
  // Final line: "N records sent, X records/sec (Y MB/sec), ..."
  const match = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(stdout);
  if (!match) throw new Error(`ProducerPerformance printed no summary:\n${stdout.slice(-2000)}`);
  return { recordsPerSecond: Number(match[1]), mbPerSecond: Number(match[2]) };
}

/** `kafka-consumer-perf-test`: reads `records` from `topic`; fetch rates exclude the group join. */
export async function consumerPerfTest(
  java: string,
  classPath: string,
  bootstrap: string,
  topic: string,
  records: number,
): Promise<PerfToolResult> {
  const stdout = await runTool(java, classPath, 'ConsumerPerformance', [
    '--bootstrap-server',
    bootstrap,
    '--topic',
    topic,
    '--messages',
    String(records),
    '--timeout',
    '120000',
  ]);
  // Header "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", then one line of values.
  const lines = stdout.trim().split('\n');
  const header = lines.findIndex((line) => line.includes('fetch.nMsg.sec'));
  const headers = (lines[header] ?? '').split(',').map((h) => h.trim());
  const values = (lines[header + 1] ?? '').split(',').map((v) => v.trim());
  const at = (name: string) => Number(values[headers.indexOf(name)]);
  const recordsPerSecond = at('fetch.nMsg.sec');
  if (header < 0 || !Number.isFinite(recordsPerSecond)) {
    throw new Error(`ConsumerPerformance printed no summary:\n${stdout.slice(-2000)}`);
  }
  return { recordsPerSecond, mbPerSecond: at('fetch.MB.sec') };
}

/** Runs one of Kafka's tools (`org.apache.kafka.tools.<name>`) and returns what it printed. */
async function runTool(
  java: string,
  classPath: string,
  name: string,
  args: readonly string[],
): Promise<string> {
  const { stdout } = await run(
    java,
    ['-Xmx512m', '-cp', classPath, `org.apache.kafka.tools.${name}`, ...args],
    {
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout;
}
