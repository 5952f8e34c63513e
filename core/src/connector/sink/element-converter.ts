/**
 * Per-record context handed to an {@link ElementConverter}. The writer reuses one object for a
 * whole batch (the hot path allocates nothing per record): read it during the call, do not keep it.
 */
export interface ElementConverterContext {
  /** Index of the record in the batch given to `write`. */
  readonly index: number;
  /** Event timestamp of the record (ms), or undefined. */
  readonly timestamp: number | undefined;
  /** The subtask's current watermark, or undefined. */
  readonly currentWatermark: number | undefined;
  /**
   * Index of the writer's subtask (0-based, `WriterInitContext.subtaskId`), e.g. to spread
   * partition keys or name per-subtask resources without keeping the init context around.
   */
  readonly subtaskId: number;
}

/**
 * Turns one input record into one request entry (Flink's `ElementConverter`), e.g. a Kinesis
 * `PutRecordsRequestEntry` or an Elasticsearch bulk action. Synchronous and cheap: it runs once
 * per record inside `write`. A throw fails that `write` call.
 */
export type ElementConverter<InputT, RequestEntryT> = (
  record: InputT,
  ctx: ElementConverterContext,
) => RequestEntryT;
