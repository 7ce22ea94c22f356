/**
 * Kinds of service a watched contract belongs to (the `category` column); `native` marks a plain
 * native-coin transfer sent by a watched address (no contract involved).
 */
export type Category = 'mixer' | 'bridge' | 'swap' | 'stablecoin' | 'exchange' | 'native';

/** What a flow does (the `action` column). */
export type Action =
  | 'deposit'
  | 'withdrawal'
  | 'shield'
  | 'unshield'
  | 'transact'
  | 'bridge_out'
  | 'bridge_in'
  | 'transfer'
  | 'freeze'
  | 'unfreeze'
  | 'destroy';

/**
 * One normalized movement of value, as stored in `mixwatch.flows`.
 *
 * Invariants: EVM addresses are lowercase `0x…`, TRON addresses base58 `T…`;
 * `amount` is a decimal string of the raw integer (UInt256, never a float);
 * `flow_id` is `${chain_id}:${tx_hash}:${log_index}:${sub_index}` and is the
 * deterministic identity that makes every replay harmless.
 */
export interface Flow {
  flow_id: string;
  chain: string;
  chain_id: number;
  block_number: number;
  /** Unix seconds. */
  block_time: number;
  block_hash: string;
  tx_hash: string;
  log_index: number;
  /** Index of the flow within one log (a Railgun Shield carries several commitments). */
  sub_index: number;
  /** Address of the contract that emitted the log. */
  contract: string;
  event: string;
  service: string;
  category: Category;
  action: Action;
  from_address: string;
  to_address: string;
  /** The transaction's sender (`tx.from`); empty when not fetched. */
  tx_from: string;
  /** `native` or the token contract address. */
  token: string;
  token_symbol: string;
  amount: string;
  decimals: number;
  counterparty_chain: string;
  bridge_ref: string;
  /** Decoder-specific details (relayer, fee, memo, commitment…), JSON object. */
  extra: Record<string, unknown>;
}

/** Alert severities, lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rule names — the `rule` column; see ARCHITECTURE §4. */
export const RULES = [
  'sanctioned_mixer_deposit',
  'mixer_to_bridge',
  'tainted_bridge_hop',
  'denomination_burst',
  'stablecoin_exit',
  'peel_chain',
  'issuer_freeze',
  'freezable_exposure',
  'service_consistency',
  'pipeline_health',
] as const;
export type RuleName = (typeof RULES)[number];

/** One alert, as stored in `mixwatch.alerts` and sent on `mixwatch.alerts.v1`. */
export interface Alert {
  /** Deterministic: re-processing the same evidence yields the same id. */
  alert_id: string;
  rule: RuleName;
  severity: Severity;
  chain: string;
  /** Unix seconds of the block that triggered the alert. */
  block_time: number;
  tx_hash: string;
  address: string;
  service: string;
  amount: string;
  title: string;
  /** The evidence: flows, tx hashes, addresses, hops, window, heuristic, confidence. */
  details: Record<string, unknown>;
  /** Unix milliseconds. */
  created_at: number;
}

/** A known block of a chain: the reorg window is made of these. */
export interface BlockRef {
  number: number;
  hash: string;
}

/**
 * Messages on `mixwatch.flows.v1`. Ordered per chain (the Kafka key is the chain id):
 * - `flow`: one normalized flow;
 * - `checkpoint`: every flow of blocks `<= block` on this chain was published before it;
 *   the sink advances the chain's cursor only after writing those flows;
 * - `retract`: a reorg orphaned every block `> after_block`; flows there must go;
 * - `heartbeat`: the ingest's view of a chain (head, cursor, RPC health), every poll, so that
 *   `pipeline_health` and dashboards see silent outages in both deployments.
 */
export type FlowMessage =
  | { type: 'flow'; flow: Flow }
  | {
      type: 'checkpoint';
      chain: string;
      chain_id: number;
      block: number;
      hash: string;
      /** Unix seconds of `block`. */
      block_time: number;
      /** Known block hashes in the range just published (reorg window, persisted). */
      blocks: BlockRef[];
      /** Wall clock (ms) when the ingest published it: for latency metrics. */
      published_at: number;
      /** Cursor to advance; default `live:<chain_id>` (backfills use `backfill:<chain_id>:<from>-<to>`). */
      cursor_key?: string;
    }
  | { type: 'retract'; chain: string; chain_id: number; after_block: number; reason: string }
  | {
      type: 'heartbeat';
      chain: string;
      chain_id: number;
      /** Latest block at the RPC head (0 when unknown). */
      head: number;
      /** Last block published. */
      cursor: number;
      /** Unix seconds of the cursor block (0 when unknown). */
      cursor_time: number;
      /** Consecutive failed polls (0 = healthy). */
      rpc_failures: number;
      /** Last error, redacted; empty when healthy. */
      last_error: string;
      /** Wall clock, ms. */
      at: number;
    };

/** Messages on `mixwatch.dlq.v1`: anything that failed to decode or validate, with the reason. */
export interface DeadLetter {
  /** Deterministic where the input has an identity (chain:tx:log), else a content hash. */
  dlq_id: string;
  /** Where it failed: `ingest.decode`, `bus.validate`, `sink.insert`… */
  stage: string;
  reason: string;
  chain: string;
  chain_id: number;
  block_number: number;
  tx_hash: string;
  log_index: number;
  /** The offending item, verbatim (JSON text). */
  payload: string;
  created_at: number;
}
