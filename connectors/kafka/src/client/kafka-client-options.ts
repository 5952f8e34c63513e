import type { ISocketFactory } from 'kafkajs';
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

/** SASL with a user name and password: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
const credentialSaslSchema = z
  .object({
    mechanism: z
      .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
      .describe('SASL mechanism; must be enabled on the listener.'),
    username: z.string().min(1).describe('SASL user name.'),
    password: z.string().min(1).describe('SASL password (never logged).'),
  })
  .strict();

/** What an OAUTHBEARER token provider returns (kafkajs's `OauthbearerProviderResponse`). */
export interface OAuthBearerToken {
  /** The compact JWS (or opaque token) the brokers' validator checks. Never logged. */
  readonly value: string;
}

/** Called for every new connection (and re-authentication); it must cache and refresh its token. */
export type OAuthBearerProvider = () => Promise<OAuthBearerToken>;

/**
 * A SASL mechanism kafkajs does not ship, as kafkajs takes it (`Mechanism`): the name sent in the
 * handshake and a factory of authenticators that exchange SaslAuthenticate requests — e.g. AWS
 * MSK IAM (`AWS_MSK_IAM`) from an MSK IAM mechanism package.
 */
export interface CustomSaslMechanism {
  readonly mechanism: string;
  readonly authenticationProvider: (args: {
    host: string;
    port: number;
    logger: unknown;
    saslAuthenticate: (request: {
      request: { encode(): Buffer | Promise<Buffer> };
      response?: { decode(raw: Buffer): Buffer | Promise<Buffer>; parse(data: Buffer): unknown };
    }) => Promise<unknown>;
  }) => { authenticate(): Promise<void> };
}

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** SASL OAUTHBEARER (KIP-255): the token comes from the application's provider. */
const oauthBearerSaslSchema = z
  .object({
    mechanism: z.literal('oauthbearer'),
    oauthBearerProvider: z
      .custom<OAuthBearerProvider>(isFunction, 'must be a function returning a Promise of { value: token }')
      .describe('Returns `{ value: <token> }`; called per connection, so it should cache and refresh.'),
  })
  .strict();

/** Any other mechanism, handed to kafkajs as it is (kafkajs's custom `authenticationProvider`). */
const customSaslSchema = z
  .object({
    mechanism: z.string().min(1).describe('Mechanism name sent in the SASL handshake, e.g. `AWS_MSK_IAM`.'),
    authenticationProvider: z
      // Aborting: an object without a provider is one of the built-in shapes, whose own issue is reported.
      .custom<CustomSaslMechanism['authenticationProvider']>(isFunction, {
        message: 'must be a function (kafkajs authentication provider)',
        abort: true,
      })
      .describe('kafkajs authentication provider of the mechanism.'),
  })
  .strict();

/** SASL authentication (over TLS or plaintext, as the listener requires). */
export const kafkaSaslSchema = z
  // The built-in shapes first: a malformed one reports its own field (e.g. `sasl.password`).
  .union([credentialSaslSchema, oauthBearerSaslSchema, customSaslSchema])
  .optional()
  .describe(
    'SASL authentication: `{ mechanism: "plain" | "scram-sha-256" | "scram-sha-512", username, password }`, `{ mechanism: "oauthbearer", oauthBearerProvider }`, or a custom mechanism `{ mechanism, authenticationProvider }` (e.g. AWS MSK IAM).',
  );

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
  socketFactory: z
    .custom<ISocketFactory>(isFunction, 'must be a function returning a net.Socket')
    .optional()
    .describe(
      'kafkajs `socketFactory`: opens each broker connection (proxies, custom DNS, socket options). Default: `net`/`tls` connect.',
    ),
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
