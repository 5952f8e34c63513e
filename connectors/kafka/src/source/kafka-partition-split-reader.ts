import {
  isTributaryError,
  type Logger,
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SplitReader,
  type SplitsChange,
  sleep,
  TributaryError,
  WakeUpLatch,
} from '@tributary/core';
import { decodeFetchedPartition } from '../client/fetched-partition.js';
import { isConnectionError, kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import type {
  KafkaJsBroker,
  KafkaJsCluster,
  KafkaJsFetchedMessage,
  KafkaJsFetchPartitionResponse,
} from '../client/kafkajs-internals.js';
import { forgetTargetTopic } from '../client/topic-metadata.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { KafkaBatchPreparer } from './kafka-batch-preparer.js';
import { type KafkaFetchedBatch, kafkaFetchedBatch } from './kafka-fetched-batch.js';
import { KafkaLeaderBackoff } from './kafka-leader-backoff.js';
import { KafkaOffsetsResolver } from './kafka-offsets-resolver.js';
import type { KafkaPartitionSplit } from './kafka-partition-split.js';
import type { KafkaRecordDeserializer } from './kafka-record-deserializer.js';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';
import { type FetchState, type KafkaFetchReporting, KafkaSplitFates } from './kafka-split-fates.js';

/**
 * End offsets seen by the fetches, by split id (the last stable offset under read_committed, else
 * the high watermark): the reader's `pendingRecords` gauge reads it.
 */
export type HighWatermarks = Map<string, number>;

/** One partition of a fetch response, decoded and cut at the stop, not yet used. */
interface DecodedPartition {
  readonly state: FetchState;
  readonly topic: string;
  readonly partition: number;
  readonly records: KafkaJsFetchedMessage[];
  readonly nextOffset: number;
}

/** One leader's fetch; `outcome` is set once it settled. */
interface LeaderFetch {
  readonly states: readonly FetchState[];
  outcome:
    | { ok: true; value: { state: FetchState; data: KafkaJsFetchPartitionResponse }[] }
    | { ok: false; error: unknown }
    | undefined;
  done: Promise<void>;
}

/** The in-flight key of splits whose leader is unknown (metadata is refreshed before they retry). */
const NO_LEADER = 'no-leader';

/** Waits until `time` (or the abort). */
function sleepUntil(time: number, signal: AbortSignal): Promise<void> {
  return sleep(Math.max(1, time - Date.now()), signal).catch(() => undefined);
}

/** Errors that may mean the topic or partition is gone: the partitions' fate is checked. */
const GONE_HINT_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID', 'INCONSISTENT_TOPIC_ID']);

/** Errors after which a fetch is simply tried again once metadata is fresh (leader moved, broker restarted). */
const STALE_METADATA_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'OFFSET_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'UNKNOWN_TOPIC_ID',
  'INCONSISTENT_TOPIC_ID',
]);

/**
 * Reads the partitions a reader owns with the protocol's Fetch, straight from each partition's
 * leader (no consumer group, no rebalance: the enumerator's assignment is the only ownership).
 *
 * Why not kafkajs's consumer: it only works as a group member — partitions are assigned by
 * rebalances, not by us, and `subscribe` + `seek` still lets the group move partitions between
 * readers, which breaks checkpointed positions. The fetch path here is kafkajs's own (request
 * encoders, record batch decoding, aborted-transaction filtering).
 *
 * Each leader is fetched independently, like the Java consumer: one fetch in flight per leader,
 * with its own retries and backoff ({@link KafkaLeaderBackoff}: by default retriable failures are
 * retried forever); `fetch()` returns what the leaders that answered first delivered, and the
 * others' fetches stay in flight. A wake-up returns at once with nothing (positions only move when
 * a result is used).
 *
 * Deleted and recreated topics ({@link KafkaTopicWatch}): splits are checked when they are
 * assigned or restored, and again when a leader says "unknown topic or partition" (or none leads
 * it). A deleted partition fails the source with `TRIB_KAFKA_PARTITION_DELETED` or, with
 * `onPartitionDeleted: 'drop'`, its split finishes; a recreated topic (new topic id) fails with
 * `TRIB_KAFKA_TOPIC_RECREATED` or, with `onTopicRecreated: 'earliest'`, is read from its start.
 *
 * When the deserializer has a `prepare` (schema-registry formats), each fetch is prepared here,
 * in the fetch loop, before it is handed to the reader: the async lookups run ahead of emission
 * and never on the reader's per-record path (see {@link KafkaBatchPreparer} for the failure policy).
 */
export class KafkaPartitionSplitReader implements SplitReader<KafkaFetchedBatch, KafkaPartitionSplit> {
  private readonly splits = new Map<string, FetchState>();
  private readonly paused = new Set<string>();
  private readonly latch = new WakeUpLatch();
  private readonly closing = new AbortController();
  private readonly resolver: KafkaOffsetsResolver;
  private readonly isolation: number;
  private readonly preparer: KafkaBatchPreparer | undefined;
  private connected: Promise<void> | undefined;
  /** The fetch in flight per leader node id. */
  private readonly inFlight = new Map<string, LeaderFetch>();
  private readonly backoff: KafkaLeaderBackoff;
  private readonly fates: KafkaSplitFates;
  /** Dropped splits, reported finished by the next fetch(). */
  private readonly dropped: string[] = [];
  /** When the response being used arrived (the fetch time of its records). */
  private fetchedAt = 0;

  constructor(
    private readonly cluster: KafkaJsCluster,
    private readonly options: ResolvedKafkaSourceOptions,
    private readonly highWatermarks: HighWatermarks,
    private readonly logger: Logger,
    deserializer?: Pick<KafkaRecordDeserializer<unknown>, 'prepare'>,
    private readonly reporting: KafkaFetchReporting = {},
  ) {
    this.resolver = new KafkaOffsetsResolver(cluster);
    this.backoff = new KafkaLeaderBackoff(options, logger, () => reporting.fetchError?.());
    this.fates = new KafkaSplitFates(cluster, options, this.resolver, reporting, logger);
    this.isolation = options.isolationLevel === 'read_committed' ? 1 : 0;
    const prepare = deserializer?.prepare;
    this.preparer =
      prepare === undefined
        ? undefined
        : new KafkaBatchPreparer(prepare.bind(deserializer), options, this.closing.signal, logger);
  }

  async handleSplitsChanges(change: SplitsChange<KafkaPartitionSplit>): Promise<void> {
    if (change.type === 'remove') {
      for (const split of change.splits) {
        this.splits.delete(split.splitId);
        this.paused.delete(split.splitId);
      }
      return;
    }
    const added: FetchState[] = change.splits.map((split) => ({
      split,
      position: split.startingOffset,
      topicId: split.topicId,
    }));
    for (const state of added) this.splits.set(state.split.splitId, state);
    await this.connect();
    // A restored split of a deleted or recreated topic is settled before any metadata lookup.
    await this.settleFates(added, true);
    await this.resolver.ensureMetadata([...new Set([...this.splits.values()].map((s) => s.split.topic))]);
  }

  pauseOrResumeSplits(
    toPause: readonly KafkaPartitionSplit[],
    toResume: readonly KafkaPartitionSplit[],
  ): void {
    for (const s of toPause) this.paused.add(s.splitId);
    for (const s of toResume) this.paused.delete(s.splitId);
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  async fetch(): Promise<RecordsWithSplitIds<KafkaFetchedBatch>> {
    const finished = [...this.finishedAtStart(), ...this.dropped.splice(0)];
    const active = [...this.splits.values()].filter(
      (s) => !this.paused.has(s.split.splitId) && !finished.includes(s.split.splitId),
    );
    if (active.length === 0) {
      for (const id of finished) this.splits.delete(id);
      return finished.length > 0 ? RecordsBySplits.finished(finished) : RecordsBySplits.empty();
    }
    const raced = await this.latch.race(this.nextLeaderResults(active));
    if (raced.woken) return this.onlyFinished(finished);
    this.fetchedAt = Date.now();
    const decoded: DecodedPartition[] = [];
    for (const { state, data } of raced.value) {
      // A split removed, re-added or paused while its leader's fetch was in flight: read again later.
      if (this.splits.get(state.split.splitId) !== state || this.paused.has(state.split.splitId)) continue;
      const partition = this.decode(state, data);
      if (partition !== undefined) decoded.push(partition);
    }
    if (this.preparer !== undefined && decoded.length > 0) {
      // Before any position moves: a wake-up here drops the fetch, which is read and prepared again.
      const prepared = await this.latch.race(this.preparer.prepare(decoded));
      if (prepared.woken) return this.onlyFinished(finished);
    }
    const builder = RecordsBySplits.builder<KafkaFetchedBatch>();
    for (const id of finished) builder.markFinished(id);
    for (const partition of decoded) this.apply(partition, builder);
    const fetched = builder.build();
    for (const id of fetched.finishedSplits) this.splits.delete(id);
    return fetched;
  }

  private onlyFinished(finished: readonly string[]): RecordsWithSplitIds<KafkaFetchedBatch> {
    for (const id of finished) this.splits.delete(id);
    return finished.length > 0 ? RecordsBySplits.finished(finished) : RecordsBySplits.empty();
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.latch.wakeUp();
    await this.connected?.catch(() => undefined);
    await this.cluster.disconnect().catch(() => undefined);
  }

  /** Bounded splits already at their stopping offset (e.g. an empty partition) end without a request. */
  private finishedAtStart(): string[] {
    const done: string[] = [];
    for (const s of this.splits.values()) {
      const stop = s.split.stoppingOffset;
      if (stop !== undefined && s.position >= stop) done.push(s.split.splitId);
    }
    return done;
  }

  /** Decodes one partition's fetch result and keeps the records below the stop; moves nothing. */
  private decode(state: FetchState, data: KafkaJsFetchPartitionResponse): DecodedPartition | undefined {
    const id = state.split.splitId;
    if (!this.splits.has(id)) return undefined;
    // Under read_committed the readable end is the last stable offset: records of open transactions
    // above it are not pending for this reader (they may never be, if aborted).
    const lso = Number((data as { lastStableOffset?: string }).lastStableOffset ?? -1);
    this.highWatermarks.set(id, this.isolation === 1 && lso >= 0 ? lso : Number(data.highWatermark));
    const fetched = decodeFetchedPartition(state.position, data, this.isolation === 1);
    if (fetched.nextOffset === undefined) return undefined;
    const stop = state.split.stoppingOffset;
    let records = fetched.records;
    if (
      stop !== undefined &&
      records.length > 0 &&
      Number((records[records.length - 1] as KafkaJsFetchedMessage).offset) >= stop
    ) {
      records = records.filter((m) => Number(m.offset) < stop);
    }
    const { topic, partition } = state.split;
    return { state, topic, partition, records, nextOffset: fetched.nextOffset };
  }

  /**
   * Uses one decoded partition: moves the position and hands its records over as one batch, also
   * when none is left (markers, aborted or compacted-away records): the emitter then moves the
   * checkpointed position past them as well.
   */
  private apply(
    decoded: DecodedPartition,
    builder: ReturnType<typeof RecordsBySplits.builder<KafkaFetchedBatch>>,
  ): void {
    const { state } = decoded;
    const id = state.split.splitId;
    // Past aborted records and transaction markers too: they are never emitted.
    state.position = decoded.nextOffset;
    const stop = state.split.stoppingOffset;
    if (stop !== undefined && state.position >= stop) builder.markFinished(id);
    const end = stop === undefined ? decoded.nextOffset : Math.min(decoded.nextOffset, stop);
    builder.add(id, kafkaFetchedBatch(decoded.records, end));
    const last = decoded.records[decoded.records.length - 1];
    // Timestamps are -1 for records written without one (old message formats).
    const timestamp = last === undefined ? -1 : Number(last.timestamp);
    if (this.reporting.fetchLag !== undefined && timestamp >= 0)
      this.reporting.fetchLag(Math.max(0, this.fetchedAt - timestamp));
  }

  /**
   * Fetches from every leader independently: each leader has at most one fetch in flight, its own
   * failure count and backoff. Returns as soon as one or more leaders answered — a slow leader
   * does not hold back the others (its fetch stays in flight for a later call, also across
   * wake-ups) and a failing one does not discard their data.
   */
  private async nextLeaderResults(
    active: readonly FetchState[],
  ): Promise<{ state: FetchState; data: KafkaJsFetchPartitionResponse }[]> {
    for (;;) {
      if (this.closing.signal.aborted) return [];
      this.startLeaderFetches(active);
      const pending = [...this.inFlight.values()];
      if (pending.length === 0) {
        // Every leader with work is backing off (or a dropped split left none).
        const wakeAt = this.backoff.nextRetryAt();
        if (wakeAt === Number.POSITIVE_INFINITY) return [];
        await sleepUntil(wakeAt, this.closing.signal);
        continue;
      }
      await Promise.race(pending.map((f) => f.done));
      const results: { state: FetchState; data: KafkaJsFetchPartitionResponse }[] = [];
      for (const [leader, f] of [...this.inFlight]) {
        if (f.outcome === undefined) continue;
        this.inFlight.delete(leader);
        if (f.outcome.ok) {
          this.backoff.succeeded(leader);
          results.push(...f.outcome.value);
        } else {
          await this.leaderFailed(leader, f.states, f.outcome.error);
        }
      }
      if (results.length > 0 || this.dropped.length > 0) return results;
    }
  }

  /** Starts a fetch for each leader that has active splits, none in flight and no backoff. */
  private startLeaderFetches(active: readonly FetchState[]): void {
    const busy = new Set<string>();
    for (const f of this.inFlight.values()) for (const s of f.states) busy.add(s.split.splitId);
    const byLeader = new Map<string, FetchState[]>();
    for (const state of active) {
      // Dropped (or re-added) since `active` was listed.
      if (busy.has(state.split.splitId) || this.splits.get(state.split.splitId) !== state) continue;
      const leaders = this.cluster.findLeaderForPartitions(state.split.topic, [state.split.partition]);
      const leader = Object.keys(leaders)[0] ?? NO_LEADER;
      if (this.inFlight.has(leader) || this.backoff.isBackingOff(leader)) continue;
      const list = byLeader.get(leader);
      if (list) list.push(state);
      else byLeader.set(leader, [state]);
    }
    for (const [leader, states] of byLeader) {
      const fetch: LeaderFetch = { states, outcome: undefined, done: Promise.resolve() };
      fetch.done = (async () => {
        try {
          if (leader === NO_LEADER) {
            throw Object.assign(new Error(`no leader known for ${states[0]?.split.splitId}`), {
              type: 'LEADER_NOT_AVAILABLE',
            });
          }
          const broker = await this.cluster.findBroker({ nodeId: Number(leader) });
          fetch.outcome = { ok: true, value: await this.fetchFromLeader(broker, states) };
        } catch (error) {
          fetch.outcome = { ok: false, error };
        }
      })();
      this.inFlight.set(leader, fetch);
    }
  }

  /**
   * A leader's fetch failed: when the error hints that a partition is gone, its splits' fate is
   * checked first; then the leader backs off (metadata refreshed), or the error fails the fetch
   * (not retriable, or failing for longer than `fetchRetryTimeoutMs`).
   */
  private async leaderFailed(leader: string, states: readonly FetchState[], error: unknown): Promise<void> {
    const type = kafkaErrorType(error) ?? '';
    if (leader === NO_LEADER || GONE_HINT_TYPES.has(type)) {
      await this.settleFates(
        states.filter((s) => this.splits.get(s.split.splitId) === s),
        false,
      );
    }
    const retriable =
      isConnectionError(error) || STALE_METADATA_TYPES.has(type) || hasName(error, 'KafkaJSBrokerNotFound');
    const verdict = this.backoff.failed(leader, error, retriable);
    if (!verdict.retry) {
      throw isTributaryError(error)
        ? error
        : wrapKafkaError(error, 'Fetch', {
            leader,
            failures: verdict.failures,
            failingForMs: verdict.failingForMs,
          });
    }
    this.cluster.refreshMetadata().catch(() => undefined);
  }

  /** {@link KafkaSplitFates.settle}, dropping splits from this reader. */
  private settleFates(states: readonly FetchState[], immediate: boolean): Promise<Set<string>> {
    return this.fates.settle(states, immediate, (state) => {
      const { splitId, topic } = state.split;
      this.splits.delete(splitId);
      this.paused.delete(splitId);
      this.dropped.push(splitId);
      // kafkajs refreshes metadata for all of its topics at once and fails on an unknown one.
      if (![...this.splits.values()].some((s) => s.split.topic === topic))
        forgetTargetTopic(this.cluster, topic);
    });
  }

  private async fetchFromLeader(
    broker: KafkaJsBroker,
    states: readonly FetchState[],
  ): Promise<{ state: FetchState; data: KafkaJsFetchPartitionResponse }[]> {
    const byTopic = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
    for (const s of states) {
      const entry = {
        partition: s.split.partition,
        fetchOffset: String(s.position),
        maxBytes: this.options.maxPartitionFetchBytes,
      };
      const list = byTopic.get(s.split.topic);
      if (list) list.push(entry);
      else byTopic.set(s.split.topic, [entry]);
    }
    let response: Awaited<ReturnType<KafkaJsBroker['fetch']>>;
    try {
      response = await broker.fetch({
        isolationLevel: this.isolation,
        maxWaitTime: this.options.fetchMaxWaitMs,
        minBytes: this.options.fetchMinBytes,
        maxBytes: this.options.fetchMaxBytes,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
    } catch (error) {
      if (hasName(error, 'KafkaJSOffsetOutOfRange')) {
        await this.resetOutOfRange(error as { topic: string; partition: number });
        return [];
      }
      throw error;
    }
    const byId = new Map(states.map((s) => [`${s.split.topic}\u0000${s.split.partition}`, s]));
    const out: { state: FetchState; data: KafkaJsFetchPartitionResponse }[] = [];
    for (const { topicName, partitions } of response.responses) {
      for (const data of partitions) {
        const state = byId.get(`${topicName}\u0000${data.partition}`);
        if (state) out.push({ state, data });
      }
    }
    return out;
  }

  /**
   * A position left the log: a recreated topic (its offsets start over) is settled by
   * `onTopicRecreated`; otherwise (retention, truncation) `offsetResetStrategy` applies.
   */
  private async resetOutOfRange(where: { topic: string; partition: number }): Promise<void> {
    const state = [...this.splits.values()].find(
      (s) => s.split.topic === where.topic && s.split.partition === where.partition,
    );
    if (!state) return;
    if ((await this.settleFates([state], true)).has(state.split.splitId)) return;
    const strategy = this.options.offsetResetStrategy;
    if (strategy === 'none') {
      throw new TributaryError(
        KafkaErrorCodes.OFFSET_OUT_OF_RANGE,
        `Offset ${state.position} of ${state.split.splitId} is out of range (deleted by retention?) and kafka.source.offsetResetStrategy is "none"`,
        { context: { topic: where.topic, partition: where.partition, offset: state.position } },
      );
    }
    const partitions = [{ topic: where.topic, partition: where.partition }];
    const offsets =
      strategy === 'earliest'
        ? await this.resolver.earliest(partitions)
        : await this.resolver.latest(partitions);
    const next = offsets.get(state.split.splitId) ?? state.position;
    this.logger.warn(
      { topic: where.topic, partition: where.partition, from: state.position, to: next },
      `Kafka offset out of range; reset to ${strategy}`,
    );
    state.position = next;
  }

  private connect(): Promise<void> {
    this.connected ??= this.cluster.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw wrapKafkaError(error, 'connect', { brokers: this.options.brokers });
    });
    return this.connected;
  }
}

function hasName(error: unknown, name: string): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 8; depth++) {
    if ((current as { name?: unknown }).name === name) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
