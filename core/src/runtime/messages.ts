/**
 * Coordinator ⇄ subtask messages. Plain, structured-clone-able data only (no functions, no class
 * instances), so subtasks can later run in worker threads or other processes unchanged.
 */

/** Serialized state as it travels and is stored: the serializer version plus base64 bytes. */
export interface StoredBytes {
  readonly v: number;
  readonly b64: string;
}

export type CoordinatorToSubtask =
  | { readonly type: 'addSplits'; readonly splits: readonly StoredBytes[] }
  | { readonly type: 'noMoreSplits' }
  | { readonly type: 'sourceEvent'; readonly event: Readonly<Record<string, unknown>> }
  | {
      readonly type: 'triggerCheckpoint';
      readonly checkpointId: number;
      readonly kind: 'checkpoint' | 'savepoint';
      /** Stop-with-savepoint with drain: end the input (flush(true)) before the snapshot. */
      readonly drain: boolean;
      /**
       * Stop-with-savepoint: after acking, the subtask reads and writes nothing more (FLIP-34); it
       * resumes only if this checkpoint is aborted, and closes when the job stops.
       */
      readonly stop: boolean;
    }
  | { readonly type: 'checkpointComplete'; readonly checkpointId: number }
  | { readonly type: 'checkpointAborted'; readonly checkpointId: number }
  /** Close reader and writer and end the subtask loop. */
  | { readonly type: 'stop' };

export interface SubtaskSnapshot {
  readonly checkpointId: number;
  readonly subtask: number;
  readonly splits: readonly StoredBytes[];
  readonly writerStates: readonly StoredBytes[];
  readonly committables: readonly StoredBytes[];
  /** The subtask reached end of input (its final committables are in this or an earlier ack). */
  readonly finished: boolean;
}

export type SubtaskToCoordinator =
  | { readonly type: 'readerRegistered'; readonly subtask: number; readonly location: string }
  | { readonly type: 'splitRequest'; readonly subtask: number }
  | {
      readonly type: 'sourceEvent';
      readonly subtask: number;
      readonly event: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'checkpointAck'; readonly snapshot: SubtaskSnapshot }
  /** End of input reached; the subtask waits for a checkpoint to carry its final committables. */
  | { readonly type: 'inputFinished'; readonly subtask: number };
// A subtask that cannot snapshot or fails rejects its run() promise (the attempt fails over):
// there is no "declined" or "failed" message, as long as subtasks share the coordinator's process.
