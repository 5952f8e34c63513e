import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.AvroSerializationSchema;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.csv.CsvReaderFormat;
import org.apache.flink.formats.parquet.avro.AvroParquetWriters;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Apache Flink side of the peer benchmarks: the same three Kafka jobs as the Tributary side
 * (bench/peers/src/jobs/tributary-job.ts), on a local MiniCluster in this JVM.
 *
 * Args: key=value pairs: brokers, input, output, scenario (passthrough | exactly-once | json-avro),
 * parallelism, bounded (true: stop at the input's latest offsets), checkpointDir, txnPrefix.
 * Prints "PEER_RESULT {json}" with this process's CPU time and peak RSS (from /proc) when done.
 */
public final class FlinkPeerJob {
  static final String AVRO_SCHEMA =
      "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"dev.tributary.bench\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"ts\",\"type\":\"long\"},"
          + "{\"name\":\"pad\",\"type\":\"string\"}]}";

  /** Kafka values as they are: the pass-through scenarios copy bytes. */
  static final class Bytes implements DeserializationSchema<byte[]>, SerializationSchema<byte[]> {
    @Override
    public byte[] deserialize(byte[] message) {
      return message;
    }

    @Override
    public boolean isEndOfStream(byte[] next) {
      return false;
    }

    @Override
    public TypeInformation<byte[]> getProducedType() {
      return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
    }

    @Override
    public byte[] serialize(byte[] element) {
      return element;
    }
  }

  /** JSON event to an Avro record: what a format-bound job does per record. */
  static final class JsonToAvro
      implements org.apache.flink.api.common.functions.MapFunction<byte[], GenericRecord> {
    private transient ObjectMapper mapper;
    private transient Schema schema;

    @Override
    public GenericRecord map(byte[] value) throws IOException {
      if (mapper == null) {
        mapper = new ObjectMapper();
        schema = new Schema.Parser().parse(AVRO_SCHEMA);
      }
      JsonNode json = mapper.readTree(value);
      GenericRecord record = new GenericData.Record(schema);
      record.put("id", json.get("id").asLong());
      record.put("ts", json.get("ts").asLong());
      record.put("pad", json.get("pad").asText());
      return record;
    }
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String arg : argv) {
      int eq = arg.indexOf('=');
      args.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String scenario = args.get("scenario");
    int parallelism = Integer.parseInt(args.get("parallelism"));
    boolean bounded = Boolean.parseBoolean(args.get("bounded"));

    Configuration config = new Configuration();
    config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "file://" + args.get("checkpointDir"));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(parallelism);
    env.enableCheckpointing(1000);

    if (scenario.equals("csv-parquet")) {
      runCsvToParquet(env, args);
      return;
    }

    org.apache.flink.connector.kafka.source.KafkaSourceBuilder<byte[]> source =
        KafkaSource.<byte[]>builder()
            .setBootstrapServers(args.get("brokers"))
            .setTopics(args.get("input"))
            .setGroupId(args.get("txnPrefix"))
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setValueOnlyDeserializer(new Bytes())
            .setProperty("isolation.level", "read_committed");
    if (bounded) source.setBounded(OffsetsInitializer.latest());
    DataStream<byte[]> in =
        env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "kafka-in");

    DeliveryGuarantee guarantee =
        scenario.equals("exactly-once") ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE;
    if (scenario.equals("json-avro")) {
      Schema schema = new Schema.Parser().parse(AVRO_SCHEMA);
      DataStream<GenericRecord> avro =
          in.map(new JsonToAvro()).returns(new GenericRecordAvroTypeInfo(schema));
      avro.sinkTo(sink(args, guarantee, AvroSerializationSchema.forGeneric(schema)));
    } else {
      in.sinkTo(sink(args, guarantee, new Bytes()));
    }
    env.execute("flink-peer-" + scenario);
    System.out.println("PEER_RESULT " + processStats());
  }

  /** One CSV row of the files scenario (`id,ts,pad`), written to Parquet through Avro reflection. */
  public static final class CsvEvent {
    public long id;
    public long ts;
    public String pad;
  }

  /**
   * Files CSV → Parquet, bounded: Flink's FileSource with its CSV reader format, and its FileSink
   * with the Avro-reflection Parquet writer (uncompressed pages, as the Tributary job writes them).
   * Prints the job's own net runtime (job start to end, process start-up excluded) with the stats.
   */
  static void runCsvToParquet(StreamExecutionEnvironment env, Map<String, String> args)
      throws Exception {
    CsvSchema schema =
        CsvSchema.builder().addNumberColumn("id").addNumberColumn("ts").addColumn("pad").build();
    FileSource<CsvEvent> files =
        FileSource.forRecordStreamFormat(
                CsvReaderFormat.forSchema(schema, TypeInformation.of(CsvEvent.class)),
                new Path(args.get("input")))
            .build();
    env.fromSource(files, WatermarkStrategy.noWatermarks(), "csv-in")
        .sinkTo(
            FileSink.forBulkFormat(
                    new Path(args.get("output")), AvroParquetWriters.forReflectRecord(CsvEvent.class))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .build());
    JobExecutionResult result = env.execute("flink-peer-csv-parquet");
    String stats = processStats();
    System.out.println(
        "PEER_RESULT " + stats.substring(0, stats.length() - 1) + ",\"runtimeMs\":" + result.getNetRuntime() + "}");
  }

  static <T> KafkaSink<T> sink(
      Map<String, String> args, DeliveryGuarantee guarantee, SerializationSchema<T> value) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(args.get("brokers"))
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<T>builder()
                .setTopic(args.get("output"))
                .setValueSerializationSchema(value)
                .build())
        .setDeliveryGuarantee(guarantee)
        .setTransactionalIdPrefix(args.get("txnPrefix"))
        .setProperty("transaction.timeout.ms", "60000")
        // The producer settings a throughput-minded user sets, and what Tributary's sink does by
        // default (kafkajs sends each poll's records in one request): without them the Java
        // producer's 16 KB batches cap 1 KB records at the per-request rate.
        .setProperty("batch.size", "1048576")
        .setProperty("linger.ms", "5")
        .build();
  }

  /** CPU milliseconds (utime + stime) and peak RSS of this process, from /proc. */
  static String processStats() throws IOException {
    String stat = Files.readString(java.nio.file.Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    long peakKb = 0;
    for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) peakKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return "{\"cpuMs\":" + ticks * 10 + ",\"peakRssKb\":" + peakKb + "}";
  }
}
