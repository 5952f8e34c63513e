import { TributaryError } from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';

interface Claim {
  readonly jobId: string;
  readonly attemptNumber: number;
}

/** Open exactly-once writers of this process by `<cluster>|<prefix>|<subtask>`. */
const claims = new Map<string, Claim>();

/**
 * Claims a transactional-id prefix for one writer subtask in this process, so that two sinks (in
 * one job or in two jobs of the process) configured with the same `transactionalIdPrefix` fail
 * at start with `TRIB_KAFKA_TRANSACTIONAL_ID_CONFLICT` instead of aborting each other's
 * transactions. A later attempt of the same job takes the claim over (its predecessor is being
 * torn down). Sharing across processes shows up as fencing (`TRIB_KAFKA_TXN_FENCED`, whose message
 * names this cause). Returns the release function.
 */
export function claimTransactionalIdPrefix(
  brokers: readonly string[],
  prefix: string,
  subtaskId: number,
  owner: Claim,
): () => void {
  const key = `${[...brokers].sort().join(',')}|${prefix}|${subtaskId}`;
  const holder = claims.get(key);
  if (holder && (holder.jobId !== owner.jobId || holder.attemptNumber === owner.attemptNumber)) {
    throw new TributaryError(
      KafkaErrorCodes.TRANSACTIONAL_ID_CONFLICT,
      `kafka.sink.transactionalIdPrefix "${prefix}" is already used by another exactly-once Kafka sink${holder.jobId === owner.jobId ? ' of this job' : ` (job ${holder.jobId})`} writing to the same cluster: the two would abort each other's transactions. Give every sink and job its own transactionalIdPrefix`,
      { context: { transactionalIdPrefix: prefix, subtask: subtaskId, otherJobId: holder.jobId } },
    );
  }
  const claim = { ...owner };
  claims.set(key, claim);
  return () => {
    if (claims.get(key) === claim) claims.delete(key);
  };
}
