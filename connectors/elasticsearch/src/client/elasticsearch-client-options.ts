import { z } from 'zod';

const authSchema = z.union([
  z.strictObject({ username: z.string().min(1), password: z.string() }),
  z.strictObject({ apiKey: z.string().min(1) }),
  z.strictObject({ bearer: z.string().min(1) }),
]);

/**
 * The connection keys shared by the sink and the source: one node or several (the client
 * round-robins and marks dead nodes), credentials, TLS trust and request compression.
 */
export const elasticsearchConnectionShape = {
  nodes: z
    .union([z.string().url(), z.array(z.string().url()).min(1)])
    .describe('Node URL (`http://127.0.0.1:9200`) or several; requests are spread over the live ones.'),
  auth: authSchema
    .optional()
    .describe(
      'Credentials: `{ username, password }` (basic), `{ apiKey }` (base64 `id:key`) or `{ bearer }` (token). Never logged.',
    ),
  tls: z
    .strictObject({
      caPem: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional()
    .describe(
      'TLS for `https://` nodes: `caPem` trusts a private CA; `rejectUnauthorized: false` only for tests.',
    ),
  compression: z.boolean().default(false).describe('Gzip request bodies (bulk requests shrink 5–10×).'),
  requestTimeoutMs: z.number().int().min(100).default(30_000).describe('Time one HTTP request may take.'),
  clientMaxRetries: z
    .number()
    .int()
    .min(0)
    .default(3)
    .describe(
      'Retries of the client itself on connection errors and 502/503/504, before the connector sees a failure.',
    ),
};

/** The connection options, resolved. */
export type ElasticsearchConnection = z.output<z.ZodObject<typeof elasticsearchConnectionShape>>;
