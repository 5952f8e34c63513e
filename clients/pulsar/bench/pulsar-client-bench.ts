/**
 * Our client vs Pulsar's Java client (a `pulsar-perf`-style loop from the harness's Maven jars)
 * on the same local broker, in one run: produce N messages (async sends, batching with a 1 ms
 * delay, 1000 messages in flight, no compression) and consume them (receiver queue 1000, one
 * ack per message), each on a fresh topic. The Java side times inside its JVM after its own
 * warm-up, so JVM start-up and source compilation are excluded. Alternating order per round,
 * a warm-up round first, median of ROUNDS. Prints a table and one `BENCH_JSON {...}` line;
 * ratios are ours / Java. Nothing fails on them. `batch` is our batch-shaped consume path (what
 * the connector uses: `takeQueued` + one cumulative ack per batch) against the same Java loop.
 *
 * Run: `pnpm --filter @tributary/pulsar-client bench` (`BENCH_SCALE=0.1` for a smoke run).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type PulsarService, runPulsarJava, useService } from '@tributary/e2e';
import { type Consumer, PulsarClient } from '../src/index.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const MESSAGES = Math.max(1000, Math.round(200_000 * scale));
const SIZE = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IN_FLIGHT = 1000;

const JAVA_SOURCE = `
import java.util.concurrent.*;
import org.apache.pulsar.client.api.*;

public class PulsarPerfLoop {
  static long produce(PulsarClient client, String topic, int n, byte[] payload) throws Exception {
    try (Producer<byte[]> producer = client.newProducer().topic(topic).enableBatching(true)
        .batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS).maxPendingMessages(${IN_FLIGHT}).blockIfQueueFull(true)
        .sendTimeout(0, TimeUnit.SECONDS).create()) {
      long start = System.nanoTime();
      CompletableFuture<MessageId> last = null;
      for (int i = 0; i < n; i++) last = producer.sendAsync(payload);
      producer.flush();
      last.get();
      return System.nanoTime() - start;
    }
  }
  static long consume(PulsarClient client, String topic, int n) throws Exception {
    try (Consumer<byte[]> consumer = client.newConsumer().topic(topic).subscriptionName("bench")
        .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).receiverQueueSize(${IN_FLIGHT}).subscribe()) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Message<byte[]> m = consumer.receive(60, TimeUnit.SECONDS);
        if (m == null) throw new IllegalStateException("consume: only " + i + " of " + n);
        consumer.acknowledgeAsync(m);
      }
      return System.nanoTime() - start;
    }
  }
  public static void main(String[] args) throws Exception {
    String serviceUrl = args[0], prefix = args[1];
    int n = Integer.parseInt(args[2]);
    byte[] payload = new byte[${SIZE}];
    try (PulsarClient client = PulsarClient.builder().serviceUrl(serviceUrl).build()) {
      int warm = Math.max(1000, n / 5);
      produce(client, prefix + "-warm", warm, payload);
      consume(client, prefix + "-warm", warm);
      long p = produce(client, prefix + "-timed", n, payload);
      long c = consume(client, prefix + "-timed", n);
      System.out.println("PRODUCE_MS " + (p / 1e6) + " CONSUME_MS " + (c / 1e6));
    }
  }
}
`;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Timing {
  produceMs: number;
  consumeMs: number;
  /** The batch-shaped path the connector uses: `takeQueued` + one cumulative ack per batch. */
  consumeBatchMs: number;
}

/** Drains `count` messages with `takeQueued`, woken by `onQueued`; one cumulative ack per batch. */
async function consumeBatched(consumer: Consumer, count: number): Promise<void> {
  let wake: (() => void) | undefined;
  consumer.onQueued(() => wake?.());
  for (let taken = 0; taken < count; ) {
    const batch = consumer.takeQueued(IN_FLIGHT);
    if (batch.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (consumer.queuedCount > 0) resolve();
      });
      continue;
    }
    taken += batch.length;
    void consumer.acknowledgeCumulative(batch[batch.length - 1] as (typeof batch)[number]);
  }
  consumer.onQueued(undefined);
}

async function oursRound(serviceUrl: string, topic: string): Promise<Timing> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const payload = new Uint8Array(SIZE);
    const producer = await client.createProducer({
      topic,
      batchingMaxPublishDelayMs: 1,
      maxPendingMessages: IN_FLIGHT,
      sendTimeoutMs: 0,
    });
    const subscribe = (subscription: string) =>
      client.subscribe({ topic, subscription, initialPosition: 'earliest', receiverQueueSize: IN_FLIGHT });
    const consumer = await subscribe('bench');
    const batchConsumer = await subscribe('bench-batch');
    let start = performance.now();
    let last: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < MESSAGES; i++) {
      last = producer.send({ payload });
      // Like the Java client's blockIfQueueFull: wait only when the window is full.
      if (i % IN_FLIGHT === IN_FLIGHT - 1) await last;
    }
    await producer.flush();
    await last;
    const produceMs = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      const message = await consumer.receive(60_000);
      if (message === undefined) throw new Error(`consume: only ${i} of ${MESSAGES}`);
      void consumer.acknowledge(message);
    }
    const consumeMs = performance.now() - start;
    start = performance.now();
    await consumeBatched(batchConsumer, MESSAGES);
    const consumeBatchMs = performance.now() - start;
    return { produceMs, consumeMs, consumeBatchMs };
  } finally {
    await client.close();
  }
}

async function javaRound(pulsar: PulsarService, prefix: string): Promise<Timing> {
  const output = await runPulsarJava({
    source: JAVA_SOURCE,
    className: 'PulsarPerfLoop',
    args: [pulsar.connection.serviceUrl, prefix, String(MESSAGES)],
    timeoutMs: 600_000,
  });
  const match = output.stdout.match(/PRODUCE_MS ([\d.E]+) CONSUME_MS ([\d.E]+)/);
  if (match === null) throw new Error(`the Java loop printed no timing:\n${output.stdout}\n${output.stderr}`);
  return { produceMs: Number(match[1]), consumeMs: Number(match[2]), consumeBatchMs: Number.NaN };
}

const pulsar = await useService('pulsar');
const namespace = await pulsar.createNamespace();
const ours: Timing[] = [];
const java: Timing[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const topic = (who: string) => `persistent://${namespace}/bench-${who}-${round}-${Date.now()}`;
  const runOurs = async () => {
    const warm = await oursRound(pulsar.connection.serviceUrl, topic('ours-warm'));
    const timed = await oursRound(pulsar.connection.serviceUrl, topic('ours'));
    if (round > 0) ours.push(timed);
    return warm;
  };
  const runJava = async () => {
    const timed = await javaRound(pulsar, topic('java'));
    if (round > 0) java.push(timed);
  };
  if (round % 2 === 0) {
    await runOurs();
    await runJava();
  } else {
    await runJava();
    await runOurs();
  }
}
await pulsar.close();

const rate = (ms: number) => MESSAGES / (ms / 1000);
const mb = (ms: number) => (MESSAGES * SIZE) / 1e6 / (ms / 1000);
const result = {
  messages: MESSAGES,
  sizeBytes: SIZE,
  rounds: ROUNDS,
  produce: {
    oursMsgsPerSec: Math.round(rate(median(ours.map((t) => t.produceMs)))),
    javaMsgsPerSec: Math.round(rate(median(java.map((t) => t.produceMs)))),
    oursMBPerSec: Number(mb(median(ours.map((t) => t.produceMs))).toFixed(2)),
    javaMBPerSec: Number(mb(median(java.map((t) => t.produceMs))).toFixed(2)),
  },
  consume: {
    oursMsgsPerSec: Math.round(rate(median(ours.map((t) => t.consumeMs)))),
    javaMsgsPerSec: Math.round(rate(median(java.map((t) => t.consumeMs)))),
    oursMBPerSec: Number(mb(median(ours.map((t) => t.consumeMs))).toFixed(2)),
    javaMBPerSec: Number(mb(median(java.map((t) => t.consumeMs))).toFixed(2)),
  },
  // Ours with takeQueued + cumulative acks vs Java's receive loop (one ack per message).
  consumeBatch: {
    oursMsgsPerSec: Math.round(rate(median(ours.map((t) => t.consumeBatchMs)))),
    javaMsgsPerSec: Math.round(rate(median(java.map((t) => t.consumeMs)))),
    oursMBPerSec: Number(mb(median(ours.map((t) => t.consumeBatchMs))).toFixed(2)),
    javaMBPerSec: Number(mb(median(java.map((t) => t.consumeMs))).toFixed(2)),
  },
  loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
};
const line = (what: string, r: typeof result.produce) =>
  `${what.padEnd(8)} ours ${String(r.oursMsgsPerSec).padStart(8)} msg/s ${String(r.oursMBPerSec).padStart(6)} MB/s | java ${String(r.javaMsgsPerSec).padStart(8)} msg/s ${String(r.javaMBPerSec).padStart(6)} MB/s | ratio ${(r.oursMsgsPerSec / r.javaMsgsPerSec).toFixed(2)}`;
process.stdout.write(
  `${line('produce', result.produce)}\n${line('consume', result.consume)}\n${line('batch', result.consumeBatch)}\nload average ${result.loadAverage.join(' ')}\n`,
);
process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
