import { z } from 'zod';

/**
 * Connection options shared by the Kinesis source and sink. Without `credentials` the AWS
 * default provider chain is used (environment, shared config/SSO, web identity, container and
 * instance metadata), as every AWS SDK does.
 */
export const kinesisConnectionShape = {
  region: z
    .string()
    .min(1)
    .optional()
    .describe('AWS region, e.g. `eu-west-1`. Default: the SDK chain (`AWS_REGION`, shared config).'),
  endpoint: z
    .url()
    .optional()
    .describe('Custom endpoint (VPC endpoint, LocalStack, kinesalite), e.g. `http://localhost:4567`.'),
  credentials: z
    .strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional()
    .describe('Static credentials. Default: the AWS default credential provider chain. Never logged.'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe(
      'Attempts per API call by the SDK (its own retry with backoff) before the connector sees an error.',
    ),
  requestTimeoutMs: z.number().int().min(100).default(30_000).describe('Socket timeout of one API call.'),
};

/** The connection part of the source and sink options, resolved. */
export interface KinesisConnectionOptions {
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly credentials?:
    | {
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
        readonly sessionToken?: string | undefined;
      }
    | undefined;
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
}
