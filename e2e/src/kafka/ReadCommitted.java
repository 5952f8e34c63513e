import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Test oracle: reads a whole topic with Kafka's own Java consumer under read_committed (no group),
 * up to each partition's last stable offset. Prints `end <partition> <lso> <hw>` per partition,
 * then `r <partition> <offset> <base64 key|-> <base64 value|->` per record. Run with
 * `java -cp '<kafka lib>/*' ReadCommitted.java <bootstrap> <topic>` (Java 11+ source launch).
 */
public class ReadCommitted {
  public static void main(String[] args) {
    String bootstrap = args[0];
    String topic = args[1];
    Base64.Encoder b64 = Base64.getEncoder();
    try (KafkaConsumer<byte[], byte[]> committed = consumer(bootstrap, "read_committed");
        KafkaConsumer<byte[], byte[]> uncommitted = consumer(bootstrap, "read_uncommitted")) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : committed.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
      Map<TopicPartition, Long> lso = committed.endOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, Long> hw = uncommitted.endOffsets(partitions, Duration.ofSeconds(30));
      StringBuilder out = new StringBuilder();
      for (TopicPartition tp : partitions) {
        out.append("end ").append(tp.partition()).append(' ').append(lso.get(tp)).append(' ')
            .append(hw.get(tp)).append('\n');
      }
      committed.assign(partitions);
      committed.seekToBeginning(partitions);
      Map<TopicPartition, Boolean> done = new HashMap<>();
      long deadline = System.currentTimeMillis() + 120_000;
      while (done.size() < partitions.size()) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out reading " + topic);
        for (ConsumerRecord<byte[], byte[]> r : committed.poll(Duration.ofMillis(200))) {
          out.append("r ").append(r.partition()).append(' ').append(r.offset()).append(' ')
              .append(r.key() == null ? "-" : b64.encodeToString(r.key())).append(' ')
              .append(r.value() == null ? "-" : b64.encodeToString(r.value())).append('\n');
        }
        for (TopicPartition tp : partitions) {
          if (committed.position(tp) >= lso.get(tp)) done.put(tp, true);
        }
      }
      System.out.print(out);
      System.out.flush();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("isolation.level", isolation);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("max.poll.records", "10000");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
