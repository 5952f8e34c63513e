import { z } from 'zod';

/**
 * TLS settings. `true` uses the system's trusted CAs; an object is handed to Node's
 * `tls.connect` (PEM strings). Key material is never logged nor put into errors.
 */
export const kafkaTlsSchema = z
  .union([
    z.boolean(),
    z
      .object({
        ca: z
          .union([z.string(), z.array(z.string())])
          .optional()
          .describe('PEM CA certificate(s) that sign the brokers’ certificates.'),
        cert: z.string().optional().describe('PEM client certificate (mutual TLS).'),
        key: z.string().optional().describe('PEM private key of the client certificate.'),
        passphrase: z.string().optional().describe('Passphrase of `key`.'),
        servername: z.string().optional().describe('SNI server name, when it differs from the host.'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Verify the brokers’ certificates. Turn off only for tests.'),
      })
      .strict(),
  ])
  .default(false)
  .describe('TLS: false (plaintext), true (system CAs) or an object with PEM material.');

/** SASL authentication (over TLS or plaintext, as the listener requires). */
export const kafkaSaslSchema = z
  .object({
    mechanism: z
      .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
      .describe('SASL mechanism; must be enabled on the listener.'),
    username: z.string().min(1).describe('SASL user name.'),
    password: z.string().min(1).describe('SASL password (never logged).'),
  })
  .strict()
  .optional()
  .describe('SASL authentication: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.');

/** Connection options shared by the source, the sink and the committer. */
export const kafkaConnectionShape = {
  brokers: z
    .array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'))
    .min(1)
    .describe('Bootstrap brokers as `host:port`.'),
  clientId: z.string().min(1).default('tributary').describe('Client id sent to the brokers (quotas, logs).'),
  ssl: kafkaTlsSchema,
  sasl: kafkaSaslSchema,
  connectionTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(5000)
    .describe('Time to establish a TCP (and TLS) connection.'),
  authenticationTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe('Time for SASL authentication.'),
  requestTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('Time a broker has to answer a request.'),
  retries: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe('Retries of a failed request by the client (exponential backoff) before the error surfaces.'),
  initialRetryTimeMs: z.number().int().min(1).default(300).describe('First client retry delay.'),
  maxRetryTimeMs: z.number().int().min(1).default(30_000).describe('Upper bound of a client retry delay.'),
  metadataMaxAgeMs: z
    .number()
    .int()
    .min(1000)
    .default(300_000)
    .describe('Refresh topic metadata at least this often (new partitions, moved leaders).'),
} as const;

const connectionObject = z.object(kafkaConnectionShape);

/** Resolved connection options (defaults applied). */
export type KafkaConnectionOptions = z.output<typeof connectionObject>;
