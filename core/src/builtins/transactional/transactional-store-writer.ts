import { randomBytes } from 'node:crypto';
import type {
  CommittingSinkWriter,
  DeliveryGuarantee,
  StatefulSinkWriter,
  WriterInitContext,
} from '../../api/sink.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import {
  abortLingeringStagingFiles,
  COMMITTED_DIR,
  ensureStoreLayout,
  PENDING_DIR,
  publishStagingFile,
  StagingFile,
  storeFileName,
  type TransactionalCommittable,
} from './transactional-store.js';

/**
 * The writer state of the transactional store: which writer run it was and the first sequence
 * number none of that run's committables in this checkpoint uses.
 */
export interface TransactionalWriterState {
  readonly runId: string;
  readonly subtask: number;
  readonly nextSeq: number;
}

/**
 * Writes records as JSON lines into a staging file per checkpoint (exactly-once), per flush
 * (at-least-once) or per `maxRecordsPerFile` records (none). Called only from its subtask's
 * serialized loop.
 */
export class TransactionalStoreWriter<T>
  implements
    CommittingSinkWriter<T, TransactionalCommittable>,
    StatefulSinkWriter<T, TransactionalWriterState>
{
  /** Random per writer instance: file names of different runs can never collide. */
  readonly runId = randomBytes(4).toString('hex');
  private current: StagingFile | undefined;
  private currentSeq = 0;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly guarantee: DeliveryGuarantee,
    private readonly maxRecordsPerFile: number,
    private readonly ctx: WriterInitContext,
    private nextSeq: number,
  ) {}

  /**
   * Opens a writer. With restored states it first aborts the staging files of the restored runs
   * that no checkpoint can reference, and continues their sequence so files stay ordered.
   */
  static async open<T>(
    dir: string,
    guarantee: DeliveryGuarantee,
    maxRecordsPerFile: number,
    ctx: WriterInitContext,
    restored: readonly TransactionalWriterState[] = [],
  ): Promise<TransactionalStoreWriter<T>> {
    await ensureStoreLayout(dir);
    const aborted = await abortLingeringStagingFiles(dir, restored);
    if (aborted.length > 0) ctx.logger.info({ aborted: aborted.length }, 'aborted lingering staging files');
    const nextSeq = restored.reduce((max, s) => Math.max(max, s.nextSeq), 0);
    return new TransactionalStoreWriter<T>(dir, guarantee, maxRecordsPerFile, ctx, nextSeq);
  }

  async write(batch: readonly T[]): Promise<void> {
    if (this.closed) throw new TributaryError(CoreErrorCodes.CLOSED, 'write() after close()');
    if (batch.length === 0) return;
    const text = toJsonLines(batch);
    const file = await this.openFile();
    await file.append(text, batch.length);
    this.ctx.metricGroup.numRecordsSend.inc(batch.length);
    // FLIP-33: the bytes handed to the store (the e2e sink contract suite checks it).
    this.ctx.metricGroup.numBytesSend.inc(Buffer.byteLength(text));
    if (this.guarantee === 'none' && file.records >= this.maxRecordsPerFile) await this.publishCurrent();
  }

  async flush(endOfInput: boolean): Promise<void> {
    // exactly-once seals in prepareCommit; at-least-once publishes everything before each
    // checkpoint; none publishes only full files and at the end of the input.
    if (this.guarantee === 'at-least-once' || (this.guarantee === 'none' && endOfInput))
      await this.publishCurrent();
  }

  async prepareCommit(): Promise<TransactionalCommittable[]> {
    if (this.guarantee !== 'exactly-once' || !this.current) return [];
    const file = this.current;
    this.current = undefined;
    await file.seal();
    return [{ stagingFile: `${PENDING_DIR}/${file.name}`, targetFile: `${COMMITTED_DIR}/${file.name}` }];
  }

  async snapshotState(): Promise<TransactionalWriterState[]> {
    // An open file (mode 'none') is referenced by no committable: it counts as unreferenced.
    const nextSeq = this.current ? this.currentSeq : this.nextSeq;
    return [{ runId: this.runId, subtask: this.ctx.subtaskId, nextSeq }];
  }

  /** Deletes the open staging file, if any: its records belong to no completed checkpoint. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const file = this.current;
    this.current = undefined;
    await file?.abort();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async openFile(): Promise<StagingFile> {
    if (this.current) return this.current;
    const seq = this.nextSeq++;
    const name = storeFileName({
      jobId: this.ctx.jobId,
      subtask: this.ctx.subtaskId,
      attempt: this.ctx.attemptNumber,
      runId: this.runId,
      seq,
    });
    this.current = await StagingFile.create(this.dir, name);
    this.currentSeq = seq;
    return this.current;
  }

  private async publishCurrent(): Promise<void> {
    const file = this.current;
    if (!file) return;
    this.current = undefined;
    await file.seal();
    await publishStagingFile(this.dir, {
      stagingFile: `${PENDING_DIR}/${file.name}`,
      targetFile: `${COMMITTED_DIR}/${file.name}`,
    });
  }
}

function toJsonLines(batch: readonly unknown[]): string {
  let text = '';
  for (let i = 0; i < batch.length; i++) {
    let line: string | undefined;
    try {
      line = JSON.stringify(batch[i]);
    } catch (cause) {
      throw invalidRecord(i, cause);
    }
    if (line === undefined) throw invalidRecord(i, undefined);
    text += `${line}\n`;
  }
  return text;
}

function invalidRecord(index: number, cause: unknown): TributaryError {
  return new TributaryError(
    CoreErrorCodes.RECORD_INVALID,
    'TwoPhaseCommitTestSink stores records as JSON lines; this record is not JSON-serializable',
    { cause, context: { batchIndex: index } },
  );
}
