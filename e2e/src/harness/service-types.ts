import type { ProcessRecord } from './process-group.js';
import type { ServerSettings } from './server-settings.js';

/** The services the harness can provide, by name. */
export type ServiceName =
  | 'kafka'
  | 'kafka-cluster'
  | 'pulsar'
  | 'elasticsearch'
  | 'mariadb'
  | 'postgres'
  | 'kinesis';

/** Every {@link ServiceName}, in the order `pnpm services up` starts them. */
export const SERVICE_NAMES: readonly ServiceName[] = [
  'kafka',
  'mariadb',
  'postgres',
  'kinesis',
  'elasticsearch',
  'pulsar',
  'kafka-cluster',
];

/** Services that can also run as an instance private to one test (`useService(name, { private: true })`). */
export type DatabaseServiceName = 'mariadb' | 'postgres';

/** True when `name` is a {@link ServiceName}. */
export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** Where services run: real servers on this machine, or Docker containers via testcontainers. */
export type BackendKind = 'local' | 'testcontainers';

/** SCRAM mechanisms the Kafka SASL listener accepts, spelled as kafkajs spells them. */
export type KafkaScramMechanism = 'scram-sha-256' | 'scram-sha-512';
/** SASL mechanisms of the harness broker's SASL listener (OAUTHBEARER with unsecured tokens). */
export type KafkaSaslMechanism = 'plain' | KafkaScramMechanism | 'oauthbearer';

/** How to reach Kafka. Both listeners belong to the same single KRaft node. */
export interface KafkaConnection {
  /** PLAINTEXT bootstrap servers (`host:port`), no authentication. */
  readonly brokers: readonly string[];
  /** SASL_PLAINTEXT bootstrap servers; PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (unsecured tokens for {@link sasl}'s user). */
  readonly saslBrokers: readonly string[];
  /** A user for authentication tests (SCRAM credentials created at format time, PLAIN from JAAS). */
  readonly sasl: {
    readonly username: string;
    readonly password: string;
    readonly mechanisms: readonly KafkaSaslMechanism[];
  };
  /**
   * SSL listener (server-authenticated TLS) and the self-signed certificate to trust; the local
   * backend provides it, the container backend does not (yet).
   */
  readonly tls?: {
    readonly brokers: readonly string[];
    readonly caPem: string;
  };
  /** Whether producing to a missing topic creates it (the harness turns this off). */
  readonly autoCreateTopics: boolean;
  /** Replication factor of the topics the harness creates; 1 when absent (a single broker). */
  readonly replicationFactor?: number;
}

/** One broker of the {@link KafkaClusterConnection}. */
export interface KafkaClusterNode {
  /** `node.id` (1, 2, 3), as metadata and `describeCluster` report it. */
  readonly nodeId: number;
  /** The node's PLAINTEXT listener (`host:port`). */
  readonly broker: string;
  /** Its server log. */
  readonly logFile: string;
}

/**
 * How to reach the 3-broker KRaft cluster (`kafka-cluster`): every node is broker and controller,
 * topics the harness creates are replicated 3 times with `min.insync.replicas=2`, so one broker
 * can be killed and restarted under a running job.
 */
export interface KafkaClusterConnection extends KafkaConnection {
  readonly replicationFactor: number;
  readonly nodes: readonly KafkaClusterNode[];
}

/** How to reach Pulsar standalone (transactions enabled). */
export interface PulsarConnection {
  /** Binary protocol URL (`pulsar://host:port`) for Pulsar clients. */
  readonly serviceUrl: string;
  /** Admin REST API base (`http://host:port`). */
  readonly adminUrl: string;
  /** WebSocket API base (`ws://host:port`), served by the broker's web port. */
  readonly webSocketUrl: string;
  /** The standalone cluster's name (needed when creating tenants). */
  readonly cluster: string;
  /**
   * TLS listener (`pulsar+ssl://host:port`, server-authenticated) and the self-signed certificate
   * to trust; the local backend provides it, the container backend does not (yet).
   */
  readonly tls?: {
    readonly serviceUrl: string;
    readonly caPem: string;
  };
  /**
   * Token authentication is on: the broker accepts HS256 tokens signed with this secret (base64,
   * random per start, test-only) and treats connections without a token as the anonymous role.
   * Mint tokens with `pulsarTestToken`. Local backend only.
   */
  readonly tokenSecretKeyBase64?: string;
}

/** How to reach Elasticsearch. */
export interface ElasticsearchConnection {
  /** HTTP endpoint (`http://host:port`). */
  readonly node: string;
  /** Server version, e.g. `8.14.1`. */
  readonly version: string;
  /** Basic-auth credentials the server checks (a wrong password gets 401); absent when security is off. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Whether requests without credentials are accepted (anonymous access or security off). */
  readonly anonymousAccess: boolean;
}

/**
 * How to reach MariaDB as an administrator. The shared instance records a ROW binlog with full
 * images and metadata and GTIDs; a private instance has the same unless its settings say otherwise.
 */
export interface MariaDbConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** How to reach PostgreSQL as a superuser (`max_prepared_transactions` > 0). */
export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A database that always exists (`postgres`), to connect to before creating others. */
  readonly database: string;
}

/** How to reach the Kinesis emulator. */
export interface KinesisConnection {
  /** HTTP endpoint (`http://host:port`); HTTP/1.1 only. */
  readonly endpoint: string;
  readonly region: string;
  /** Dummy credentials; the emulator accepts any. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Connection details per service name. All plain, JSON-serializable data. */
export interface ServiceConnections {
  kafka: KafkaConnection;
  'kafka-cluster': KafkaClusterConnection;
  pulsar: PulsarConnection;
  elasticsearch: ElasticsearchConnection;
  mariadb: MariaDbConnection;
  postgres: PostgresConnection;
  kinesis: KinesisConnection;
}

/** The connection details of service `N`. */
export type ConnectionOf<N extends ServiceName> = ServiceConnections[N];

/** Who owns the running server, which decides how `down` ends it. */
export type InstanceOwner =
  /** A process group the harness started. */
  | { readonly kind: 'process'; readonly process: ProcessRecord }
  /** Several process groups the harness started, one per node, in the order of the connection's `nodes`. */
  | { readonly kind: 'processes'; readonly processes: readonly ProcessRecord[] }
  /** A Docker container the harness started. */
  | { readonly kind: 'container'; readonly containerId: string }
  /**
   * A server the harness was pointed at and does not own (`TRIBUTARY_MARIADB_HOST`,
   * `TRIBUTARY_POSTGRES_HOST`): used as is, never configured, restarted or stopped.
   */
  | { readonly kind: 'external' };

/** What the harness records about an instance private to one test. */
export interface PrivateInstanceInfo {
  /** Unique id, e.g. `mariadb-1f2e3d4c`; names its state file and directories. */
  readonly id: string;
  /** The extra settings it was started with. */
  readonly settings: ServerSettings;
  /** The process that asked for it (a vitest worker): when it is gone, the instance is an orphan. */
  readonly holder: { readonly pid: number; readonly startTicks?: string };
  /** Where its state, log and harness files live (`<cache>/services/private/<id>`). */
  readonly workDir: string;
}

/** What the harness records about a running service (`<cache>/services/<name>.json`). */
export interface ServiceState<N extends ServiceName = ServiceName> {
  readonly name: N;
  readonly backend: BackendKind;
  /** Server version, e.g. `3.9.2`. */
  readonly version: string;
  /** ISO time of the start. */
  readonly startedAt: string;
  /** The test run that started it (`TRIBUTARY_E2E_RUN_ID`), so CI teardown stops only its own. */
  readonly runId?: string;
  readonly owner: InstanceOwner;
  readonly connection: ConnectionOf<N>;
  /** Server log (stdout + stderr), when the harness captures one. */
  readonly logFile?: string;
  /** Local database servers: the directory holding the data directory and config, kept across restarts. */
  readonly instanceDir?: string;
  /** Set on an instance private to one test. */
  readonly private?: PrivateInstanceInfo;
}

/** What `pnpm services status` reports per service. */
export interface ServiceStatus {
  readonly name: ServiceName;
  /** `healthy`: recorded and answering; `unhealthy`: recorded but not answering; `stopped`: none. */
  readonly state: 'healthy' | 'unhealthy' | 'stopped';
  readonly recorded?: ServiceState;
  /** Why it is unhealthy. */
  readonly detail?: string;
}
