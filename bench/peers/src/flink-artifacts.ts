import type { MavenArtifactSet } from '@tributary/e2e';

/** Apache Flink's version the peer jobs run on, and the Kafka connector release built for it. */
export const FLINK_VERSION = '2.2.1';
export const FLINK_KAFKA_CONNECTOR_VERSION = '5.0.0-2.2';

const flink = (artifactId: string, version = FLINK_VERSION) => ({
  groupId: 'org.apache.flink',
  artifactId,
  version,
});

/**
 * Everything a local Flink MiniCluster needs to run the peer jobs: the DataStream API, the client
 * (MiniCluster), the Kafka connector and the Avro format. Resolved once by Maven into the harness's
 * artifact cache, like the brokers.
 */
export const FLINK_ARTIFACTS: MavenArtifactSet = {
  key: `flink-peers-${FLINK_VERSION}-files`,
  dependencies: [
    flink('flink-streaming-java'),
    flink('flink-clients'),
    flink('flink-connector-base'),
    flink('flink-connector-kafka', FLINK_KAFKA_CONNECTOR_VERSION),
    flink('flink-avro'),
    // The files scenario (CSV → Parquet). flink-csv and flink-parquet resolve at 2.2.0 (no 2.2.1
    // on Maven Central); Parquet's writer needs Hadoop's classes (the shaded client jars).
    flink('flink-connector-files'),
    flink('flink-csv', '2.2.0'),
    flink('flink-parquet', '2.2.0'),
    { groupId: 'org.apache.parquet', artifactId: 'parquet-avro', version: '1.15.2' },
    { groupId: 'org.apache.hadoop', artifactId: 'hadoop-client-api', version: '3.3.6' },
    { groupId: 'org.apache.hadoop', artifactId: 'hadoop-client-runtime', version: '3.3.6' },
    { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '2.0.17' },
  ],
};

/**
 * Kafka's own perf tools (`ProducerPerformance`, `ConsumerPerformance`) at the broker's version:
 * what the broker takes on this machine, measured with its own Java clients.
 */
export const kafkaToolsArtifacts = (kafkaVersion: string): MavenArtifactSet => ({
  key: `kafka-tools-${kafkaVersion}`,
  dependencies: [
    { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version: kafkaVersion },
    { groupId: 'org.slf4j', artifactId: 'slf4j-nop', version: '1.7.36' },
  ],
});
