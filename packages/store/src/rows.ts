import type { Alert, DeadLetter, Flow } from '@mixwatch/core';

/** Unix ms as a DateTime64 literal ClickHouse parses in JSONEachRow (`best_effort`). */
export function chTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A flow as a `mixwatch.flows` row (JSONEachRow). */
export function flowToRow(f: Flow): Record<string, unknown> {
  return {
    flow_id: f.flow_id,
    chain: f.chain,
    chain_id: f.chain_id,
    block_number: f.block_number,
    block_time: f.block_time,
    block_hash: f.block_hash,
    tx_hash: f.tx_hash,
    log_index: f.log_index,
    sub_index: f.sub_index,
    contract: f.contract,
    event: f.event,
    service: f.service,
    category: f.category,
    action: f.action,
    from_address: f.from_address,
    to_address: f.to_address,
    tx_from: f.tx_from,
    token: f.token,
    token_symbol: f.token_symbol,
    amount: f.amount,
    decimals: f.decimals,
    counterparty_chain: f.counterparty_chain,
    bridge_ref: f.bridge_ref,
    extra: JSON.stringify(f.extra),
  };
}

/** An alert as a `mixwatch.alerts` row. */
export function alertToRow(a: Alert): Record<string, unknown> {
  return { ...a, details: JSON.stringify(a.details), created_at: chTime(a.created_at) };
}

/** A dead letter as a `mixwatch.dlq` row. */
export function deadLetterToRow(d: DeadLetter): Record<string, unknown> {
  return { ...d, created_at: chTime(d.created_at) };
}
