import { transactionalIdOf } from './kafka-transaction-aborter.js';

/**
 * What a transactional id's coordinator reports: `busy` (a transaction someone will still finish:
 * pre-committed and waiting for its commit, or completing), `committed` (last transaction
 * committed), `free` (aborted, empty or unknown), or `unknown` (the broker cannot say without side
 * effects: Kafka < 3.0).
 */
export type TransactionalIdUse = 'busy' | 'committed' | 'free' | 'unknown';

/** Ids outside the pending ones looked at with them (usually the first is free). */
const CANDIDATES = 2;

interface PendingId {
  /** Pre-commit sequence number of its transaction (0: restored). */
  readonly precommit: number;
  /** The sequence number at which its transaction was first seen committed. */
  committedSeenAt?: number;
}

/**
 * The transactional ids of one writer subtask: `<prefix>-<subtask>-<k>` for a small `k` (Flink's
 * pooled scheme, FLINK-34554), instead of one new id per checkpoint.
 *
 * An id is *pending* from its pre-commit until it is safe to reuse:
 * - its transaction was **aborted** (the broker timed it out; the committer reports the loss), or
 * - it was **committed** and a checkpoint taken after that was seen complete. Reusing an id bumps
 *   its epoch, after which a re-commit of its old transaction fails; the runtime re-commits the
 *   committables stored in the checkpoint it restores, so an id must not be reused while the latest
 *   completed checkpoint may still list it. The evidence that a later checkpoint completed is the
 *   commit of a transaction pre-committed after the id was seen committed (commits happen only once
 *   their checkpoint is complete).
 *
 * Each new transaction takes the lowest free `k`: with data in every checkpoint the pool holds 2–4
 * ids (2 when commits land before the next transaction opens), a few more while checkpoints are
 * aborted (their transactions wait for the next one). Ids in
 * use are always `0…size-1`, so a walk from 0 finds them all. Before an id is taken its coordinator
 * is asked (in the same request as the pending ids): an id busy for a reason this pool does not
 * know is skipped, never initialized (which would abort its transaction).
 */
export class KafkaTransactionalIdPool {
  private readonly pending = new Map<string, PendingId>();
  private precommits = 0;
  /** Largest pre-commit sequence number whose transaction was seen committed. */
  private committedEvidence = 0;
  private highest = -1;
  /** Ids below this index are an earlier version's (see {@link restoreLegacy}). */
  private legacyFloor = 0;

  constructor(
    private readonly prefix: string,
    private readonly subtaskId: number,
    private readonly uses: (transactionalIds: readonly string[]) => Promise<TransactionalIdUse[]>,
  ) {}

  /** Marks ids pre-committed in the restored checkpoint (any subtask's) as pending. */
  restorePending(transactionalIds: Iterable<string>): void {
    for (const id of transactionalIds) this.pending.set(id, { precommit: 0 });
  }

  /**
   * After a restore from a state of an earlier version (one new id per checkpoint, recorded as
   * `nextTransactionIndex`): any id below `nextIndex` may be one the restored checkpoint lists,
   * so ids are taken from `nextIndex` up until a checkpoint taken after the restore is known
   * complete (one of this pool's transactions seen committed); then the pool goes back to `k = 0`.
   */
  restoreLegacy(nextIndex: number): void {
    this.legacyFloor = Math.max(this.legacyFloor, nextIndex);
  }

  /** Marks the id of a transaction just pre-committed (handed to the committer) as pending. */
  precommitted(transactionalId: string): void {
    this.precommits++;
    this.pending.set(transactionalId, { precommit: this.precommits });
  }

  /**
   * Pending ids not yet seen committed: the ones a checkpoint taken now may list as committables
   * (recorded in the writer state; a restored writer never aborts them and does not reuse them
   * until a later checkpoint completes). Ids seen committed are left out: the checkpoint does not
   * list them, and one of them open at a restore is a lingering transaction to abort.
   */
  pendingIds(): string[] {
    return [...this.pending]
      .filter(([, p]) => p.committedSeenAt === undefined)
      .map(([id]) => id)
      .sort();
  }

  /** Ids handed out so far: the largest `k` + 1. */
  get size(): number {
    return this.highest + 1;
  }

  /**
   * Frees pending ids that are safe to reuse, then returns the lowest free id. One look at the
   * coordinators (DescribeTransactions, batched) covers the pending ids and the lowest ids outside
   * them, so opening a transaction costs one round trip here, not one per id.
   */
  async acquire(): Promise<string> {
    const unseen = [...this.pending].filter(([, p]) => p.committedSeenAt === undefined);
    const known = new Map<string, TransactionalIdUse>();
    // Every pending id (those freed below are then known) and the lowest ones outside them.
    await this.look([...this.pending.keys(), ...this.candidates(this.floor())], known);
    for (const [id, p] of unseen) {
      const use = known.get(id);
      if (use === 'free') this.pending.delete(id);
      else if (use === 'committed') {
        p.committedSeenAt = this.precommits;
        this.committedEvidence = Math.max(this.committedEvidence, p.precommit);
      }
    }
    for (const [id, p] of this.pending) {
      if (p.committedSeenAt !== undefined && this.committedEvidence > p.committedSeenAt) {
        this.pending.delete(id);
      }
    }
    for (let k = this.floor(); ; k++) {
      const id = transactionalIdOf(this.prefix, this.subtaskId, k);
      if (this.pending.has(id)) continue;
      if (!known.has(id)) await this.look(this.candidates(k), known);
      if (known.get(id) === 'busy') {
        // Open for a reason this pool does not know: skipped, never initialized (that would abort it).
        this.pending.set(id, { precommit: 0 });
        continue;
      }
      this.highest = Math.max(this.highest, k);
      return id;
    }
  }

  /** The lowest index to take: 0, or an earlier version's next index until the restore is behind us. */
  private floor(): number {
    return this.committedEvidence > 0 ? 0 : this.legacyFloor;
  }

  /** The lowest ids from `k` up that are not pending: the next ones `acquire` may take. */
  private candidates(from: number): string[] {
    const ids: string[] = [];
    for (let k = from; ids.length < CANDIDATES; k++) {
      const id = transactionalIdOf(this.prefix, this.subtaskId, k);
      if (!this.pending.has(id)) ids.push(id);
    }
    return ids;
  }

  private async look(ids: readonly string[], known: Map<string, TransactionalIdUse>): Promise<void> {
    const uses = await this.uses(ids);
    ids.forEach((id, i) => {
      known.set(id, uses[i] as TransactionalIdUse);
    });
  }
}
