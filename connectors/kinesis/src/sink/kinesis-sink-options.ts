import { asyncSinkWriterOptionsRules, asyncSinkWriterOptionsShape, defineOptions } from '@tributary/core';
import { z } from 'zod';
import { kinesisConnectionShape } from '../client/kinesis-client-options.js';

/** PutRecords limits: 500 records, 5 MiB per request, 1 MiB per record (data + partition key). */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
export const PUT_RECORD_MAX_BYTES = 1024 * 1024;

const sinkSchema = z
  .strictObject({
    ...kinesisConnectionShape,
    ...asyncSinkWriterOptionsShape,
    streamName: z.string().min(1).optional().describe('Target stream (or set `streamArn`).'),
    streamArn: z
      .string()
      .regex(/^arn:aws[\w-]*:kinesis:/, 'a Kinesis stream ARN (arn:aws:kinesis:region:account:stream/name)')
      .optional()
      .describe('Target stream by ARN (cross-account access); instead of `streamName`.'),
    maxBatchSize: z
      .number()
      .int()
      .min(1)
      .max(PUT_RECORDS_MAX_RECORDS)
      .default(PUT_RECORDS_MAX_RECORDS)
      .describe(
        'Records per PutRecords call (Kinesis allows 500; the AIMD rate limiter sends fewer under throttling).',
      ),
    maxBatchSizeInBytes: z
      .number()
      .int()
      .min(1)
      .max(PUT_RECORDS_MAX_BYTES)
      .default(PUT_RECORDS_MAX_BYTES)
      .describe('Bytes (data + partition keys) per PutRecords call; Kinesis allows 5 MiB.'),
    maxRecordSizeInBytes: z
      .number()
      .int()
      .min(1)
      .max(PUT_RECORD_MAX_BYTES)
      .default(PUT_RECORD_MAX_BYTES)
      .describe(
        'Largest record (data + partition key); Kinesis allows 1 MiB. A larger one fails the write with TRIB_RECORD_TOO_LARGE, or goes to the dead-letter handler.',
      ),
    initialMaxInFlightRecords: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Records in flight the AIMD rate limiter starts with (it halves on throttling, grows by 10 per successful request up to maxBatchSize × maxInFlightRequests). Default maxBatchSize (one full request, as in Flink): a fresh writer ramps up instead of flooding a small stream.',
      ),
    failOnError: z
      .boolean()
      .default(false)
      .describe(
        'Fail the job (TRIB_KINESIS_PUT_FAILED) as soon as PutRecords rejects any entry, instead of retrying the rejected entries.',
      ),
  })
  .superRefine(asyncSinkWriterOptionsRules)
  .superRefine((value, ctx) => {
    if ((value.streamName === undefined) === (value.streamArn === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['streamName'],
        message: 'set exactly one of streamName or streamArn',
      });
    }
  });

/** Options of {@link KinesisSink} (`kinesis.sink.*`). */
export const KinesisSinkOptions = defineOptions('kinesis.sink', sinkSchema);

/** What a user passes to {@link KinesisSink}. */
export type KinesisSinkOptionsInput = z.input<typeof sinkSchema>;
/** Options with defaults applied. */
export type ResolvedKinesisSinkOptions = z.output<typeof sinkSchema>;
