import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The peer of the MySQL CDC bench: Debezium's embedded engine snapshots one table (snapshot.mode
 * initial_only, no table locks, offsets and schema history in memory) and counts the data
 * records it hands over as Kafka Connect SourceRecords (no serialization, like the Tributary
 * source's change records). Prints "rows=<n> ms=<engine start to the last row>".
 *
 * Args (key=value): connector (class), host, port, user, password, db, table, rows, serverId,
 * timeoutSeconds.
 */
public class DebeziumSnapshotPeer {
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    long expected = Long.parseLong(a.get("rows"));
    String db = a.get("db");
    String table = a.get("table");
    Properties p = new Properties();
    p.setProperty("name", "tributary-bench-peer");
    p.setProperty("connector.class", a.get("connector"));
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
    p.setProperty("offset.flush.interval.ms", "600000");
    p.setProperty("schema.history.internal", "io.debezium.relational.history.MemorySchemaHistory");
    p.setProperty("database.hostname", a.get("host"));
    p.setProperty("database.port", a.get("port"));
    p.setProperty("database.user", a.get("user"));
    p.setProperty("database.password", a.getOrDefault("password", ""));
    p.setProperty("database.server.id", a.get("serverId"));
    if (a.containsKey("sslMode")) p.setProperty("database.ssl.mode", a.get("sslMode"));
    p.setProperty("topic.prefix", "bench");
    p.setProperty("database.include.list", db);
    p.setProperty("table.include.list", db + "." + table);
    p.setProperty("include.schema.changes", "false");
    p.setProperty("snapshot.mode", "initial_only");
    p.setProperty("snapshot.locking.mode", "none");

    String dataTopic = "bench." + db + "." + table;
    AtomicLong rows = new AtomicLong();
    long[] lastRowAt = new long[1];
    String[] failure = new String[1];
    CountDownLatch done = new CountDownLatch(1);
    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(p)
            .notifying(
                (records, committer) -> {
                  for (RecordChangeEvent<SourceRecord> r : records) {
                    if (dataTopic.equals(r.record().topic()) && rows.incrementAndGet() == expected) {
                      lastRowAt[0] = System.nanoTime();
                      done.countDown();
                    }
                    committer.markProcessed(r);
                  }
                  committer.markBatchFinished();
                })
            .using(
                (success, message, error) -> {
                  // Any completion ends the wait: initial_only stops the engine "successfully"
                  // after its snapshot, and an early stop must not look like a slow snapshot.
                  if (rows.get() < expected)
                    failure[0] =
                        (success ? "engine stopped: " : "engine failed: ")
                            + message
                            + (error == null ? "" : ": " + error);
                  done.countDown();
                })
            .build();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    long start = System.nanoTime();
    executor.execute(engine);
    boolean finished = done.await(Long.parseLong(a.getOrDefault("timeoutSeconds", "900")), TimeUnit.SECONDS);
    try {
      // An engine that stopped on its own (failure, or initial_only done) throws "already shut
      // down" here; uncaught, it ended main while the executor's thread kept the JVM alive.
      engine.close();
    } catch (IllegalStateException alreadyStopped) {
      // Nothing to close.
    } finally {
      executor.shutdownNow();
    }
    if (!finished || rows.get() < expected) {
      System.err.println(
          "Debezium read " + rows.get() + " of " + expected + " rows" + (failure[0] == null ? "" : ": " + failure[0]));
      System.exit(1);
    }
    System.out.println("rows=" + rows.get() + " ms=" + (lastRowAt[0] - start) / 1_000_000.0);
    System.exit(0);
  }
}
