import { randomUUID } from 'node:crypto';
import type {
  CommitRequest,
  Committer,
  CommittingSinkWriter,
  Sink,
  SupportsCommitter,
} from '../../api/sink.js';
import { jsonSerializer } from '../../serialization/versioned-serializer.js';

export interface MemoryTxn {
  readonly txnId: string;
  readonly subtask: number;
  readonly records: number[];
}

/** Test fixture: a two-phase sink whose "external system" is an in-memory map of committed txns. */
export class MemoryCommittingSink implements Sink<number>, SupportsCommitter<MemoryTxn> {
  readonly committed = new Map<string, MemoryTxn>();
  commitCalls = 0;
  /** When set, the committer throws for this many calls (simulates a failing external system). */
  failCommits = 0;
  /** Each commit call takes this long (a slow external system). */
  commitDelayMs = 0;
  /** When set, subtask 0's n-th flush(false) takes this long (makes a checkpoint time out). */
  slowFlush: { readonly nth: number; readonly ms: number } | undefined;
  readonly committableSerializer = jsonSerializer<MemoryTxn>({ name: 'MemoryTxn' });

  createWriter(ctx: { subtaskId: number }): CommittingSinkWriter<number, MemoryTxn> {
    let buffer: number[] = [];
    let flushes = 0;
    return {
      write: async (batch) => {
        for (const v of batch) buffer.push(v);
      },
      flush: async (endOfInput) => {
        flushes++;
        const slow = this.slowFlush;
        if (!endOfInput && slow && ctx.subtaskId === 0 && flushes === slow.nth) {
          await new Promise((resolve) => setTimeout(resolve, slow.ms));
        }
      },
      prepareCommit: async () => {
        if (buffer.length === 0) return [];
        const txn = { txnId: randomUUID(), subtask: ctx.subtaskId, records: buffer };
        buffer = [];
        return [txn];
      },
      close: async () => {},
    };
  }

  createCommitter(): Committer<MemoryTxn> {
    return {
      commit: async (requests: readonly CommitRequest<MemoryTxn>[]) => {
        this.commitCalls++;
        if (this.commitDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.commitDelayMs));
        if (this.failCommits > 0) {
          this.failCommits--;
          for (const r of requests) r.retryLater();
          return;
        }
        for (const r of requests) {
          if (this.committed.has(r.committable.txnId)) r.signalAlreadyCommitted();
          else this.committed.set(r.committable.txnId, r.committable);
        }
      },
      close: async () => {},
    };
  }

  /** All committed records, sorted. */
  values(): number[] {
    return [...this.committed.values()].flatMap((t) => t.records).sort((a, b) => a - b);
  }
}
