/**
 * Child process of the transaction crash test. `open <serviceUrl> <topic> <subscription>`: opens
 * a transaction, sends 5 messages and acks one in it, prints `TXN <most> <least>` and waits to be
 * killed. `commit|abort <serviceUrl> <most> <least>`: ends that transaction by id from this new
 * process and prints `OUTCOME <outcome>`.
 */
import { PulsarClient } from '../client.js';

const [mode, serviceUrl, ...rest] = process.argv.slice(2);
const client = new PulsarClient({ serviceUrl: serviceUrl as string, operationTimeoutMs: 60_000 });
const coordinator = await client.transactions();
if (mode === 'open') {
  const [topic, subscription] = rest as [string, string];
  const consumer = await client.subscribe({ topic, subscription, initialPosition: 'earliest' });
  const producer = await client.createProducer({ topic });
  const txn = await coordinator.newTransaction(120_000);
  const message = await consumer.receive(30_000);
  if (message === undefined) throw new Error('the pre-existing message did not arrive');
  await consumer.acknowledge(message, txn);
  await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      producer.send({ payload: new TextEncoder().encode(`txn-${i}`), transaction: txn }),
    ),
  );
  process.stdout.write(`TXN ${txn.id.mostBits} ${txn.id.leastBits}\n`);
  await new Promise(() => undefined); // wait for SIGKILL
} else {
  const [most, least] = rest as [string, string];
  const outcome = await coordinator.endTransaction(
    { mostBits: BigInt(most), leastBits: BigInt(least) },
    mode === 'commit' ? 'commit' : 'abort',
  );
  process.stdout.write(`OUTCOME ${outcome}\n`);
  await client.close();
}
