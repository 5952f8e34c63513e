import type { Logger } from '@tributary/core';
import { Kafka, type KafkaConfig, logLevel, type Mechanism, type SASLOptions } from 'kafkajs';
import { registerCompressionCodecs } from './compression-codecs.js';
import type { KafkaConnectionOptions } from './kafka-client-options.js';

/**
 * Builds the kafkajs client from validated connection options. kafkajs's own log lines go to the
 * Tributary logger (as a child with `component: 'kafkajs'`), where secret-named keys are redacted.
 */
export function createKafkaClient(options: KafkaConnectionOptions, logger: Logger): Kafka {
  // Other producers' snappy/lz4/zstd batches must be readable, and the sink may write them.
  registerCompressionCodecs();
  const config: KafkaConfig = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    connectionTimeout: options.connectionTimeoutMs,
    authenticationTimeout: options.authenticationTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    retry: {
      retries: options.retries,
      initialRetryTime: options.initialRetryTimeMs,
      maxRetryTime: options.maxRetryTimeMs,
    },
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger.child({ component: 'kafkajs' })),
  };
  if (options.ssl !== false) config.ssl = options.ssl === true ? true : { ...options.ssl };
  // A copy: kafkajs caches the authenticator on the object it is given.
  if (options.sasl !== undefined) config.sasl = { ...options.sasl } as SASLOptions | Mechanism;
  if (options.socketFactory !== undefined) config.socketFactory = options.socketFactory;
  return new Kafka(config);
}

interface KafkaJsLogEntry {
  readonly namespace: string;
  readonly level: number;
  readonly log: { readonly message: string } & Record<string, unknown>;
}

/**
 * kafkajs logs every retried request failure at ERROR; the connector raises the failures that
 * matter as typed errors, so kafkajs's errors are logged as warnings here.
 */
function kafkajsLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: KafkaJsLogEntry): void => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const entry = { namespace, ...fields };
      // Error responses are logged per request by kafkajs and raised by the connector as typed errors.
      if (level <= logLevel.WARN && !message.startsWith('Response ')) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}
