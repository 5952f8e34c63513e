/**
 * Test-only oracle: reads a partitioned topic with Pulsar's own Java client (from the harness's
 * Maven artifacts), sharing no code with the connector or our client. A reader per partition
 * reads from the earliest message until `hasMessageAvailable()` is false; readers see committed
 * transactions only.
 */
import { runPulsarJava } from '@tributary/e2e';

const JAVA_SOURCE = `
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.*;

public class ReadTopicPartitions {
  public static void main(String[] args) throws Exception {
    String serviceUrl = args[0], topic = args[1];
    int partitions = Integer.parseInt(args[2]);
    try (PulsarClient client = PulsarClient.builder().serviceUrl(serviceUrl).build()) {
      for (int p = 0; p < partitions; p++) {
        try (Reader<byte[]> reader = client.newReader().topic(topic + "-partition-" + p)
            .startMessageId(MessageId.earliest).create()) {
          while (reader.hasMessageAvailable()) {
            Message<byte[]> m = reader.readNext(30, TimeUnit.SECONDS);
            if (m == null) throw new IllegalStateException("partition " + p + ": announced message did not arrive");
            System.out.println("MSG " + p + " " + m.getKey() + " " + new String(m.getValue(), "UTF-8"));
          }
        }
      }
      System.out.println("DONE");
    }
  }
}
`;

/** One message as the Java client read it. */
export interface JavaReadMessage {
  readonly partition: number;
  readonly key: string;
  readonly value: string;
}

/** Every readable message of `topic`'s partitions, partition by partition in log order. */
export async function readWithJavaClient(
  serviceUrl: string,
  topic: string,
  partitions: number,
): Promise<JavaReadMessage[]> {
  const output = await runPulsarJava({
    source: JAVA_SOURCE,
    className: 'ReadTopicPartitions',
    args: [serviceUrl, topic, String(partitions)],
  });
  const lines = output.stdout.split('\n');
  if (!lines.includes('DONE')) throw new Error(`the Java reader did not finish:\n${output.stderr}`);
  return lines
    .filter((line) => line.startsWith('MSG '))
    .map((line) => {
      const [, partition, key, value] = line.split(' ');
      return { partition: Number(partition), key: key as string, value: value as string };
    });
}
