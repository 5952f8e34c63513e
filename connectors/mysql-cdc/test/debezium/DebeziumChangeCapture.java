import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Captures the change messages Debezium's embedded engine (MariaDB connector, default value
 * handling) produces for one table, as Kafka Connect's JsonConverter writes them: with the schema
 * envelope (schemas.enable=true) and without it. The engine snapshots the table, then streams
 * the binlog; every data record of the table (tombstones included) is printed as one line
 * "MSG {"key": ..., "withSchema": ..., "noSchema": ...}" whose fields are the converter's
 * output text (null for a tombstone). Stops when stdin closes.
 *
 * Args (key=value): host, port, user, password, db, table, serverId, timeoutSeconds.
 */
public class DebeziumChangeCapture {
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String db = a.get("db");
    String table = a.get("table");
    Properties p = new Properties();
    p.setProperty("name", "tributary-debezium-capture");
    p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
    p.setProperty("offset.flush.interval.ms", "600000");
    p.setProperty("schema.history.internal", "io.debezium.relational.history.MemorySchemaHistory");
    // The harness server is shared: DDL of other databases is none of this capture's business.
    p.setProperty("schema.history.internal.store.only.captured.databases.ddl", "true");
    p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
    p.setProperty("schema.history.internal.skip.unparseable.ddl", "true");
    p.setProperty("database.hostname", a.get("host"));
    p.setProperty("database.port", a.get("port"));
    p.setProperty("database.user", a.get("user"));
    p.setProperty("database.password", a.getOrDefault("password", ""));
    p.setProperty("database.server.id", a.get("serverId"));
    p.setProperty("topic.prefix", "capture");
    p.setProperty("database.include.list", db);
    p.setProperty("table.include.list", db + "." + table);
    p.setProperty("include.schema.changes", "false");
    p.setProperty("snapshot.mode", "initial");
    p.setProperty("snapshot.locking.mode", "none");

    JsonConverter withSchema = new JsonConverter();
    withSchema.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
    JsonConverter noSchema = new JsonConverter();
    noSchema.configure(Map.of("schemas.enable", "false", "converter.type", "value"));
    JsonConverter keys = new JsonConverter();
    keys.configure(Map.of("schemas.enable", "false", "converter.type", "key"));
    ObjectMapper mapper = new ObjectMapper();
    String dataTopic = "capture." + db + "." + table;
    Object out = new Object();
    String[] failure = new String[1];

    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(p)
            .notifying(
                (records, committer) -> {
                  for (RecordChangeEvent<SourceRecord> r : records) {
                    SourceRecord record = r.record();
                    if (dataTopic.equals(record.topic())) {
                      ObjectNode line = mapper.createObjectNode();
                      line.put("key", text(keys.fromConnectData(record.topic(), record.keySchema(), record.key())));
                      line.put(
                          "withSchema",
                          text(withSchema.fromConnectData(record.topic(), record.valueSchema(), record.value())));
                      line.put(
                          "noSchema",
                          text(noSchema.fromConnectData(record.topic(), record.valueSchema(), record.value())));
                      String json;
                      try {
                        json = mapper.writeValueAsString(line);
                      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                      }
                      synchronized (out) {
                        System.out.println("MSG " + json);
                        System.out.flush();
                      }
                    }
                    committer.markProcessed(r);
                  }
                  committer.markBatchFinished();
                })
            .using(
                (success, message, error) -> {
                  if (!success) {
                    failure[0] = message + (error == null ? "" : ": " + error);
                    System.err.println("engine failed: " + failure[0]);
                    System.exit(1);
                  }
                })
            .build();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    executor.execute(engine);
    System.out.println("STARTED");
    System.out.flush();

    // The caller closes stdin once it has every message it expects (or gives up).
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(Long.parseLong(a.getOrDefault("timeoutSeconds", "300")) * 1000);
                System.err.println("capture timed out");
                System.exit(2);
              } catch (InterruptedException stopped) {
                // Closed in time.
              }
            });
    watchdog.setDaemon(true);
    watchdog.start();
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (stdin.readLine() != null) {
      // Wait for end of input.
    }
    try {
      engine.close();
    } catch (IllegalStateException alreadyStopped) {
      // Nothing to close.
    } finally {
      executor.shutdownNow();
    }
    System.exit(0);
  }

  private static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
