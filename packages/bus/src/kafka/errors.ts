import { FatalError, RetryableError } from '@mixwatch/core';

/** Error names kafkajs uses for trouble that passes by itself (broker down, leader moving, timeouts). */
const RETRIABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSFetcherRebalanceError',
]);

/**
 * Protocol errors kafkajs marks as not retriable that a new attempt does fix: the idempotent
 * producer's sequence state is lost when a broker restarts without its log tail or a producer id
 * expires; the bus answers by building a new producer and sending again (a duplicate is possible,
 * consumers are idempotent).
 */
export const PRODUCER_RESET_TYPES = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * The one `shouldRetry` of the Kafka boundary. kafkajs marks each error `retriable`; a
 * `KafkaJSNumberOfRetriesExceeded` (kafkajs gave up after its own retries) is judged by its
 * cause, so a broker that stays down longer than kafkajs' patience is still "try again later";
 * sequence errors of the idempotent producer ({@link PRODUCER_RESET_TYPES}) are retried with a
 * new producer. Configuration, authorisation and size errors are not retried.
 */
export function shouldRetryKafka(error: unknown): boolean {
  type E = {
    name?: string;
    retriable?: boolean;
    type?: string;
    code?: string;
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown[];
  };
  // Our own tree decides first; else the innermost kafkajs error does: kafkajs wraps a retriable
  // connection error into a KafkaJSNonRetriableError when its own retries run out.
  const chain: E[] = [];
  let e = error as E | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    if (e instanceof RetryableError) return true;
    if (e instanceof FatalError) return false;
    chain.push(e);
    e = (e.cause ?? e.originalError ?? e.errors?.[0]) as E | undefined;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i] as E;
    if (c.type && PRODUCER_RESET_TYPES.has(c.type)) return true;
    if (c.name && RETRIABLE_NAMES.has(c.name)) return true;
    if (c.code && NODE_CODES.has(c.code)) return true;
    if (c.name === 'KafkaJSNumberOfRetriesExceeded' || c.name === 'KafkaJSNonRetriableError' || c.name === 'KafkaJSAggregateError')
      continue;
    if (typeof c.retriable === 'boolean') return c.retriable;
  }
  return false;
}

/**
 * Wraps a kafkajs error into the error tree: {@link RetryableError} when
 * {@link shouldRetryKafka} says so, {@link FatalError} otherwise. The message says what failed
 * and where (topic, group); broker addresses are host:port and carry no secret.
 */
export function toBusError(error: unknown, what: string, context: Record<string, unknown> = {}): RetryableError | FatalError {
  if (error instanceof RetryableError || error instanceof FatalError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const message = `kafka: ${what}: ${detail}`;
  return shouldRetryKafka(error)
    ? new RetryableError(message, { cause: error, context })
    : new FatalError(message, { cause: error, context });
}

/** True when the error asks for a fresh idempotent producer (see {@link PRODUCER_RESET_TYPES}). */
export function needsProducerReset(error: unknown): boolean {
  let e = error as { type?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e.type && PRODUCER_RESET_TYPES.has(e.type)) return true;
    e = e.cause as typeof e;
  }
  return false;
}
