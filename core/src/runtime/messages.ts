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
  | {
      readonly type: 'checkpointDeclined';
      readonly subtask: number;
      readonly checkpointId: number;
      readonly reason: string;
    }
  /** End of input reached; the subtask waits for a checkpoint to carry its final committables. */
  | { readonly type: 'inputFinished'; readonly subtask: number }
  | { readonly type: 'failed'; readonly subtask: number; readonly error: unknown };
