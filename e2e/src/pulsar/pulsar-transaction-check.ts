import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { runCommand } from '../harness/run-command.js';
import { pulsarLog4j2Properties } from './pulsar-config.js';

/**
 * A real transaction round trip with Pulsar's official Java client (the Node `pulsar-client`
 * needs a native build that cannot be installed here): an aborted and a committed transactional
 * message, a consumer that must see only the committed one, and only after the commit. Run with
 * Java's single-file source launcher against the broker's own class path, so nothing is compiled
 * ahead of time. Besides proving transactions work, the first transactional client makes the
 * broker load its transaction coordinator.
 */
export const PULSAR_TRANSACTION_CHECK_SOURCE = `
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.*;
import org.apache.pulsar.client.api.transaction.Transaction;

public class PulsarTransactionCheck {
  public static void main(String[] args) throws Exception {
    String serviceUrl = args[0];
    String topic = args[1];
    try (PulsarClient client = PulsarClient.builder().serviceUrl(serviceUrl).enableTransaction(true)
        .operationTimeout(60, TimeUnit.SECONDS).build()) {
      Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("check")
          .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe();
      Producer<String> producer = client.newProducer(Schema.STRING).topic(topic)
          .sendTimeout(0, TimeUnit.SECONDS).create();
      Transaction aborted = client.newTransaction().withTransactionTimeout(2, TimeUnit.MINUTES).build().get();
      producer.newMessage(aborted).value("aborted").send();
      aborted.abort().get();
      Transaction committed = client.newTransaction().withTransactionTimeout(2, TimeUnit.MINUTES).build().get();
      producer.newMessage(committed).value("committed").send();
      if (consumer.receive(500, TimeUnit.MILLISECONDS) != null) fail("a message was visible before its commit");
      committed.commit().get();
      Message<String> message = consumer.receive(60, TimeUnit.SECONDS);
      if (message == null || !"committed".equals(message.getValue())) fail("the committed message did not arrive");
      consumer.acknowledge(message);
      if (consumer.receive(500, TimeUnit.MILLISECONDS) != null) fail("an aborted message was delivered");
      System.out.println("TRANSACTIONS_OK");
    }
  }

  private static void fail(String reason) {
    System.out.println("TRANSACTIONS_FAILED " + reason);
    System.exit(2);
  }
}
`;

/** Where and how to run {@link PULSAR_TRANSACTION_CHECK_SOURCE}. */
export interface TransactionCheckOptions {
  readonly java: string;
  /** The broker's class path (`<lib>/*`), which includes the Java client. */
  readonly classPath: string;
  /** Scratch directory for the source and log configuration. */
  readonly workDir: string;
  readonly serviceUrl: string;
  /** A topic nobody else uses (auto-created). */
  readonly topic: string;
}

/** Runs the transaction round trip; throws `TRIB_E2E_SERVICE_START_FAILED` with its output otherwise. */
export async function runPulsarTransactionCheck(options: TransactionCheckOptions): Promise<void> {
  const source = join(options.workDir, 'PulsarTransactionCheck.java');
  const log4j = join(options.workDir, 'log4j2-check.properties');
  writeFileSync(source, PULSAR_TRANSACTION_CHECK_SOURCE);
  writeFileSync(log4j, pulsarLog4j2Properties('warn'));
  const output = await runCommand(
    options.java,
    [
      '-Xmx256m',
      `-Dlog4j.configurationFile=${log4j}`,
      '-cp',
      options.classPath,
      source,
      options.serviceUrl,
      options.topic,
    ],
    { timeoutMs: 180_000 },
  );
  if (!output.stdout.includes('TRANSACTIONS_OK')) {
    throw new TributaryError(
      E2eErrorCodes.SERVICE_START_FAILED,
      `Pulsar transaction check failed:\n${`${output.stdout}\n${output.stderr}`.trim().split('\n').slice(-20).join('\n')}`,
      { context: { service: 'pulsar', topic: options.topic } },
    );
  }
}
