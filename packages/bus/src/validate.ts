import { type DeadLetter, stableId } from '@mixwatch/core';
import { kafkaSchema } from '@mixwatch/schemas';
import { Ajv, type ValidateFunction } from 'ajv';
import { TOPICS, type TopicName, type TopicPayloads } from './topics.ts';

/** Outcome of {@link BusValidator.check}: the value, or ajv's reason it is not one. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Validates messages against the topic contract, `schemas/kafka/<topic>.schema.json` (JSON
 * Schema draft-07, compiled once with ajv). Both buses can use it: the Kafka bus on produce and
 * on consume, the in-process bus on publish.
 */
export interface BusValidator {
  /** Validates a decoded value. `topic` is the contract name (no prefix). */
  check<N extends TopicName>(topic: N, value: unknown): ValidationResult<TopicPayloads[N]>;
  /** Parses JSON text, then validates it. A parse failure is reported like a schema failure. */
  decode<N extends TopicName>(topic: N, text: string): ValidationResult<TopicPayloads[N]>;
}

let shared: BusValidator | undefined;

/**
 * Returns the process-wide validator (schemas are compiled once: ajv compilation costs
 * milliseconds, validation microseconds).
 */
export function createBusValidator(): BusValidator {
  if (shared) return shared;
  // allErrors off: the first failure is enough for a dead letter and keeps validation cheap.
  // unicodeRegExp off: the patterns are ASCII-only (hex, base58, digits) and run faster without `u`.
  const options = { allErrors: false, strict: true, strictTypes: false, unicodeRegExp: false } as const;
  const ajv = new Ajv(options);
  const compiled = new Map<string, ValidateFunction>();
  // A `oneOf` over message kinds (flows.v1) reports every branch's failure; for the reason we
  // re-run only the branch the message's `type` names, compiled separately (failure path only).
  const branches = new Map<string, Map<string, ValidateFunction>>();
  for (const topic of Object.values(TOPICS)) {
    const schema = kafkaSchema(topic) as { oneOf?: Array<{ properties?: { type?: { const?: string } } }>; definitions?: unknown };
    compiled.set(topic, ajv.compile(schema));
    if (!schema.oneOf) continue;
    const byType = new Map<string, ValidateFunction>();
    for (const branch of schema.oneOf) {
      const kind = branch.properties?.type?.const;
      if (kind) byType.set(kind, new Ajv(options).compile({ ...branch, definitions: schema.definitions }));
    }
    branches.set(topic, byType);
  }

  const check = <N extends TopicName>(topic: N, value: unknown): ValidationResult<TopicPayloads[N]> => {
    const fn = compiled.get(topic);
    if (!fn) return { ok: false, reason: `no schema for topic ${topic}` };
    const kind = (value as { type?: unknown } | null)?.type;
    const branch = typeof kind === 'string' ? branches.get(topic)?.get(kind) : undefined;
    // The branches are told apart by the `type` constant, so at most one can match: the oneOf
    // holds exactly when the branch the message names holds. Checking only that branch is the
    // same verdict at a third of the cost (measured: ~25 µs -> ~8 µs per flow).
    if (branch) {
      if (branch(value)) return { ok: true, value: value as TopicPayloads[N] };
      return { ok: false, reason: ajv.errorsText(branch.errors, { dataVar: 'message' }) };
    }
    if (fn(value)) return { ok: true, value: value as TopicPayloads[N] };
    if (branches.has(topic) && !branch) {
      return { ok: false, reason: `message/type must be one of ${[...(branches.get(topic)?.keys() ?? [])].join(', ')}` };
    }
    return { ok: false, reason: ajv.errorsText(fn.errors, { dataVar: 'message' }) };
  };
  shared = {
    check,
    decode(topic, text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        return { ok: false, reason: `not JSON: ${(error as Error).message}` };
      }
      return check(topic, value);
    },
  };
  return shared;
}

/** Largest `payload` kept in a dead letter, in characters (a Kafka message is at most ~1 MB). */
export const DEAD_LETTER_PAYLOAD_LIMIT = 256 * 1024;

/** Options of {@link invalidMessageDeadLetter}. */
export interface InvalidMessageParameters {
  /** Contract topic the message was meant for. */
  topic: TopicName;
  /** ajv's message (or the JSON parse error). */
  reason: string;
  /** The raw message text, verbatim. */
  payload: string;
  /**
   * Identity of the message where it has one (Kafka: `topic/partition/offset`), so a redelivered
   * poison message yields the same `dlq_id`; default: a hash of the payload.
   */
  identity?: string;
  /** Stage name. Default `bus.validate`. */
  stage?: string;
  now?: number;
}

/**
 * Builds the {@link DeadLetter} for a message that failed validation: stage `bus.validate`,
 * reason = the validator's message, payload = the raw text (cut at
 * {@link DEAD_LETTER_PAYLOAD_LIMIT}). Chain fields are filled from the payload when it parses
 * far enough to have them, else left empty.
 */
export function invalidMessageDeadLetter(parameters: InvalidMessageParameters): DeadLetter {
  const { topic, reason, payload } = parameters;
  const where = pickWhere(payload);
  const stage = parameters.stage ?? 'bus.validate';
  return {
    dlq_id: stableId(stage, topic, parameters.identity ?? stableId(payload)),
    stage,
    reason: `${topic}: ${reason}`.slice(0, 4096),
    chain: where.chain,
    chain_id: where.chain_id,
    block_number: where.block_number,
    tx_hash: where.tx_hash,
    log_index: where.log_index,
    payload: payload.length > DEAD_LETTER_PAYLOAD_LIMIT ? payload.slice(0, DEAD_LETTER_PAYLOAD_LIMIT) : payload,
    created_at: parameters.now ?? Date.now(),
  };
}

function pickWhere(payload: string) {
  const out = { chain: '', chain_id: 0, block_number: 0, tx_hash: '', log_index: 0 };
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return out;
  }
  if (!v || typeof v !== 'object') return out;
  const o = v as Record<string, unknown>;
  const src = (o.flow && typeof o.flow === 'object' ? o.flow : o) as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' ? x.slice(0, 200) : '');
  const uint = (x: unknown) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : 0);
  out.chain = str(src.chain);
  out.chain_id = uint(src.chain_id);
  out.block_number = uint(src.block_number ?? src.block);
  out.tx_hash = str(src.tx_hash);
  out.log_index = uint(src.log_index);
  return out;
}
