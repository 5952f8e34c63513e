/**
 * @tributary/e2e — real services on demand for integration tests, by name, through one interface
 * with two backends (local servers or testcontainers). Curated named exports only.
 *
 * Nothing here loads a service client library (they are optional peers): the handle classes are
 * exported as types, and each service's code is imported when `useService()` asks for it.
 */

export {
  type ChildJobSpec,
  type CrashLoopOptions,
  type CrashLoopResult,
  type CrashRun,
  crashSeed,
  type RunningChildJob,
  runWithCrashes,
  seededRandom,
  startChildJob,
} from '@tributary/connector-testkit';
export {
  type FindChromiumOptions,
  findSystemChromium,
  requireSystemChromium,
} from './browser/system-chromium.js';
export { ELASTICSEARCH_USER, ELASTICSEARCH_VERSION } from './elasticsearch/elasticsearch-config.js';
export type {
  CreateElasticsearchIndexOptions,
  ElasticsearchClientOptions,
  ElasticsearchService,
} from './elasticsearch/elasticsearch-service.js';
export { type DockerProbeResult, probeDockerEngine, selectBackend } from './harness/backend-selection.js';
export { type E2eErrorCode, E2eErrorCodes } from './harness/e2e-errors.js';
export { cacheRootDir } from './harness/harness-paths.js';
export { javaCommand } from './harness/java-command.js';
export {
  type MavenArtifactSet,
  type MavenDependency,
  type ResolveMavenOptions,
  resolveMavenArtifacts,
} from './harness/maven-artifacts.js';
export type { ServerSettings, ServerSettingValue } from './harness/server-settings.js';
export { ServiceManager, type ServiceManagerOptions, type StopOutcome } from './harness/service-manager.js';
export {
  type BackendKind,
  type ConnectionOf,
  type DatabaseServiceName,
  type ElasticsearchConnection,
  type InstanceOwner,
  isServiceName,
  type KafkaClusterConnection,
  type KafkaClusterNode,
  type KafkaConnection,
  type KafkaSaslMechanism,
  type KafkaScramMechanism,
  type KinesisConnection,
  type MariaDbConnection,
  type PostgresConnection,
  type PrivateInstanceInfo,
  type PulsarConnection,
  SERVICE_NAMES,
  type ServiceConnections,
  type ServiceName,
  type ServiceState,
  type ServiceStatus,
} from './harness/service-types.js';
export { uniqueName } from './harness/unique-names.js';
export { type WaitUntilOptions, waitUntil } from './harness/wait-until.js';
export {
  type JavaCommittedPartition,
  readCommittedWithJavaConsumer,
} from './kafka/java-committed-reader.js';
export {
  type JavaListedTransaction,
  listTransactionsWithJavaAdmin,
} from './kafka/java-transactions-lister.js';
export type { KafkaClusterService, KafkaPartitionReplicas } from './kafka/kafka-cluster-service.js';
export { KAFKA_CLUSTER_VERSION, KAFKA_SCRAM_USER, KAFKA_VERSION } from './kafka/kafka-server-config.js';
export type {
  CreateKafkaTopicOptions,
  KafkaClientConfigOptions,
  KafkaService,
  KafkaServiceName,
} from './kafka/kafka-service.js';
export { unsecuredKafkaToken } from './kafka/kafka-unsecured-token.js';
export type { CreateKinesisStreamOptions, KinesisService } from './kinesis/kinesis-service.js';
export type { MariaDbService } from './mariadb/mariadb-service.js';
export type { PostgresService } from './postgres/postgres-service.js';
export {
  type DashboardVariables,
  labelValuesQuery,
  type ResolvedPanelQuery,
  resolveDashboardQueries,
  resolveVariables,
} from './prometheus/dashboard-queries.js';
export {
  ensurePrometheus,
  locatePrometheus,
  type PrometheusSample,
  type PrometheusServer,
  type StartPrometheusOptions,
  startPrometheus,
} from './prometheus/prometheus-server.js';
export {
  locatePushgateway,
  type PushgatewayServer,
  startPushgateway,
} from './prometheus/pushgateway-server.js';
export { PulsarAdminError } from './pulsar/pulsar-admin.js';
export { PULSAR_VERSION } from './pulsar/pulsar-config.js';
export { type PulsarJavaProgram, runPulsarJava } from './pulsar/pulsar-java.js';
export type { TransactionCoordinatorStats } from './pulsar/pulsar-probe.js';
export type { CreatePulsarTopicOptions, PulsarService } from './pulsar/pulsar-service.js';
export { type PulsarTestTokenOptions, pulsarTestToken } from './pulsar/pulsar-token.js';
export {
  type DescribeServiceOptions,
  describeService,
  type ServiceDescription,
} from './services/service-description.js';
export type { RestartOptions, ServerFaults, ServiceHandle } from './services/service-handle-base.js';
export type { ServiceHandleOf, ServiceHandles } from './services/service-handles.js';
export { type PrivateServerOptions, type UseServiceOptions, useService } from './services/use-service.js';
