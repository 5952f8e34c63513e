import { TributaryError, toError } from '../../errors/tributary-error.js';
import { AsyncSinkErrorCodes } from './async-sink-error-codes.js';

/**
 * Takes an entry the sink gave up on: larger than `maxRecordSizeInBytes` (`TRIB_RECORD_TOO_LARGE`),
 * out of retries (`TRIB_RETRIES_EXHAUSTED`) or rejected by the connector
 * (`TRIB_ASYNC_SINK_ENTRY_REJECTED`); `error.code` says which. If it throws, the writer fails.
 */
export type DeadLetterHandler<RequestEntryT> = (entry: RequestEntryT, error: TributaryError) => Promise<void>;

/**
 * Hands entries to the handler one by one (a dead-letter queue usually keeps order); a handler
 * failure becomes a `TRIB_ASYNC_SINK_DEAD_LETTER_FAILED` error naming why the entry was given up.
 * @internal
 */
export async function sendToDeadLetter<RequestEntryT>(
  handler: DeadLetterHandler<RequestEntryT>,
  entries: readonly RequestEntryT[],
  error: TributaryError,
): Promise<void> {
  for (const entry of entries) {
    try {
      await handler(entry, error);
    } catch (cause) {
      throw new TributaryError(
        AsyncSinkErrorCodes.DEAD_LETTER_FAILED,
        `The dead-letter handler failed on an entry given up with ${error.code}: ${toError(cause).message}`,
        { cause, context: { reason: error.code } },
      );
    }
  }
}
