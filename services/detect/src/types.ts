import type { Config } from '@mixwatch/config';
import type { Alert, Flow } from '@mixwatch/core';

/** The validated `detect` settings (packages/config/src/detect.ts). */
export type DetectConfig = Config['detect'];

/** How an address came to be tainted. */
export type TaintVia = 'label' | 'transfer' | 'native_transfer' | 'bridge_pair' | 'bridge_out' | 'mixer';

/** Mixer linking heuristics, named in evidence. */
export type Heuristic = 'anonymity_set' | 'address_match' | 'linked_addresses' | 'multi_denomination' | 'fifo_timing';

/** The taint of one address (a `mixwatch.taint` row). */
export interface Taint {
  address: string;
  chain: string;
  /** 0..1. Labelled addresses and direct transfers from them: 1; mixer hops: anonymity set and heuristics. */
  score: number;
  hops: number;
  origin: string;
  origin_label: string;
  /** Addresses from the origin to this one. */
  path: string[];
  via: TaintVia;
  heuristic: string;
  flow_id: string;
  tx_hash: string;
  block_time: number;
  /** Chain id and block of the tainting flow (0 for labels and rows loaded from the store). */
  flow_chain_id: number;
  block_number: number;
}

/** A flow with a tainted party (a `mixwatch.taint_flows` row). */
export interface TaintFlow {
  flow_id: string;
  address: string;
  role: 'sender' | 'recipient';
  chain: string;
  chain_id: number;
  block_number: number;
  block_time: number;
  tx_hash: string;
  service: string;
  service_category: string;
  action: string;
  token: string;
  token_symbol: string;
  amount: string;
  decimals: number;
  score: number;
  hops: number;
}

/** A bridge departure paired with its arrival (a `mixwatch.bridge_pairs` row). */
export interface BridgePair {
  out_flow_id: string;
  in_flow_id: string;
  service: string;
  method: 'ref' | 'amount_time';
  confidence: number;
  out_chain: string;
  in_chain: string;
  out_address: string;
  in_address: string;
  bridge_ref: string;
  token_symbol: string;
  out_amount: string;
  in_amount: string;
  out_time: number;
  in_time: number;
  tainted: number;
  out_chain_id: number;
  out_block: number;
  in_chain_id: number;
  in_block: number;
}

/** What handling one message produced: everything is idempotent to write again. */
export interface DetectOutput {
  alerts: Alert[];
  taint: Taint[];
  taintFlows: TaintFlow[];
  pairs: BridgePair[];
}

/** A flow as evidence in alert details. */
export interface FlowEvidence {
  flow_id: string;
  chain: string;
  block_number: number;
  block_time: number;
  tx_hash: string;
  service: string;
  action: string;
  from: string;
  to: string;
  token_symbol: string;
  amount: string;
  decimals: number;
}

/** The evidence summary of a flow. */
export function evidenceOf(f: Flow): FlowEvidence {
  return {
    flow_id: f.flow_id,
    chain: f.chain,
    block_number: f.block_number,
    block_time: f.block_time,
    tx_hash: f.tx_hash,
    service: f.service,
    action: f.action,
    from: f.from_address,
    to: f.to_address,
    token_symbol: f.token_symbol,
    amount: f.amount,
    decimals: f.decimals,
  };
}

/** Raw amount as whole units (float; for thresholds and titles only, never stored). */
export function units(amount: string, decimals: number): number {
  try {
    return Number(BigInt(amount)) / 10 ** decimals;
  } catch {
    return 0;
  }
}
