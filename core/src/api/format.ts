/**
 * Format contracts shared by connectors and the `@tributary/format-*` packages. Message-based
 * connectors (Kafka, Pulsar, Kinesis) use the (de)serialization schemas; the files connector uses
 * {@link FileFormat} (reading with exact resume positions) and {@link FileWriterFormat} (writing
 * part files).
 */

/** Where a record came from, for error messages (`TRIB_RECORD_INVALID` context). */
export interface RecordOrigin {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string | number;
  readonly file?: string;
  readonly line?: number;
}

/** Turns one message into a value; throws a `TributaryError` (`TRIB_RECORD_INVALID`) naming field and origin. */
export interface DeserializationSchema<T> {
  deserialize(bytes: Uint8Array, origin?: RecordOrigin): T;
  /**
   * Optional asynchronous preparation for a fetched batch, called by the connector once per batch
   * before `deserialize` runs on its messages. Schemas that must look something up per message
   * (a schema registry keyed by the writer-schema id in the message) load it here, because
   * `deserialize` is synchronous on the hot path. Must be idempotent and cheap when nothing is new.
   */
  prepare?(messages: readonly Uint8Array[]): Promise<void>;
}

/** Turns one value into a message. */
export interface SerializationSchema<T> {
  serialize(value: T): Uint8Array;
}

/**
 * How a reader resumes exactly: re-open at byte `offset` and skip `recordsToSkip` records from
 * there (Flink's CheckpointedPosition). Line formats use skip 0 and the offset after the line;
 * block formats (Avro containers, Parquet row groups) use the block start and a record count.
 */
export interface FilePosition {
  readonly offset: number;
  readonly recordsToSkip: number;
}

/** Random and streaming access to one file's bytes (decompressed when the file is compressed). */
export interface FileInput {
  readonly path: string;
  /** Size in bytes of the file as stored (compressed size for compressed files). */
  readonly size: number;
  /** True when the bytes are decompressed on the fly: offsets then count decompressed bytes and `read` is unavailable. */
  readonly compressed: boolean;
  /** Bytes from `offset` (in decompressed space) to the end. */
  stream(offset: number): AsyncIterable<Uint8Array>;
  /** Bytes [start, end) of an uncompressed file. */
  read(start: number, end: number): Promise<Uint8Array>;
}

/** The part of a file a reader reads. */
export interface FileRegion {
  /** First byte of the region; records *starting* in [start, end) belong to it. */
  readonly start: number;
  /** End of the region (exclusive), or undefined for "to the end of the file". */
  readonly end: number | undefined;
  /** Resume position from a checkpoint (wins over `start`). */
  readonly restoredPosition?: FilePosition | undefined;
}

/**
 * A batch of records read from a file, with the resume position after each record: given as
 * `positions` or, by line formats, as `endOffsets` (exactly one of the two is set; read either
 * through {@link filePositionAt}).
 */
export interface FileReadBatch<T> {
  readonly records: T[];
  /** `positions[i]` is where to resume to continue right after `records[i]` (block formats). */
  readonly positions?: FilePosition[];
  /**
   * `endOffsets[i]` is the byte offset right after `records[i]`, where reading resumes with nothing
   * to skip (`{ offset: endOffsets[i], recordsToSkip: 0 }`). Line formats give this instead of
   * `positions`, so a batch holds numbers rather than a position object per record.
   */
  readonly endOffsets?: number[];
  /** 1-based line (or record) number of each record, for metadata and error messages. */
  readonly lineNumbers?: number[];
  /** Bytes consumed from the input for this batch (numBytesIn). */
  readonly bytesRead: number;
  /** Records that failed to parse and were skipped (only when the format's skip option is on). */
  readonly skippedErrors?: number;
  /**
   * Records that failed to parse and are in `records` as `FileDeadLetter`s (`errors: 'dead-letter'`;
   * one dead letter may stand for several, see `FileDeadLetter.records`). Counted in
   * `numRecordsInErrors` like skipped ones.
   */
  readonly deadLetters?: number;
}

/** Where to resume right after `batch.records[i]`, whichever way the batch gives its positions. */
export function filePositionAt(batch: FileReadBatch<unknown>, i: number): FilePosition {
  const ends = batch.endOffsets;
  if (ends !== undefined) return { offset: ends[i] as number, recordsToSkip: 0 };
  return (batch.positions as FilePosition[])[i] as FilePosition;
}

export interface FileRecordReader<T> {
  /** The next batch, or `null` at the end of the region. */
  readBatch(): Promise<FileReadBatch<T> | null>;
  close(): Promise<void>;
}

/** Reads records from files. */
export interface FileFormat<T> {
  readonly name: string;
  /** Whether a file may be read as several regions in parallel (line formats without embedded newlines). */
  readonly splittable: boolean;
  /**
   * Whether a 0-byte file is a valid, empty file (default true: text formats). Container formats
   * (Avro, Parquet) say false, so a 0-byte file is read — and fails — instead of passing as empty
   * (a truncated upload must not look like a file without records).
   */
  readonly emptyFileIsValid?: boolean;
  createReader(input: FileInput, region: FileRegion): FileRecordReader<T>;
}

/** Where a writer's bytes go (an open part file). */
export interface FileOutput {
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly bytesWritten: number;
}

/** Writes records into one part file. Row writers may resume; bulk writers roll on every checkpoint. */
export interface FileRecordWriter<T> {
  writeBatch(records: readonly T[]): Promise<void>;
  /** Pushes buffered bytes to the output (row formats: everything written so far becomes durable on sync). */
  flush(): Promise<void>;
  /** Writes trailers/footers; the part file is complete after this. */
  finish(): Promise<void>;
}

export interface FileWriterFormat<T> {
  readonly name: string;
  /** File name extension including the dot, e.g. `.parquet`. */
  readonly extension: string;
  /** `row`: appends records, can continue an in-progress file after restore. `bulk`: must roll on checkpoint. */
  readonly kind: 'row' | 'bulk';
  createWriter(output: FileOutput): FileRecordWriter<T>;
}
