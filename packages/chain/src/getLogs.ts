import { type Common, FatalError, RetryableError } from '@mixwatch/core';
import type { Rpc } from './rpc.ts';

/** A log as the node returns it (hex strings). */
export interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  transactionIndex?: string;
  /** Some nodes (anvil, reth, recent geth) include the block time: saves a header fetch. */
  blockTimestamp?: string;
  removed?: boolean;
}

/** Filter of {@link getLogsAdaptive}. */
export interface GetLogsFilter {
  address: string[];
  /** `topics` filter: position 0 is the topic0 list. */
  topics: Array<string[] | string | null>;
}

/** Mutable span state shared across calls, so that a provider's limit is learnt once. */
export interface SpanState {
  /** Current largest span tried in one call. */
  span: number;
  /** Upper bound (the chain's configured max). */
  max: number;
}

/**
 * Providers refuse wide ranges with many different messages; these are the ones seen from
 * geth, erigon, nethermind, reth, Alchemy, Infura, QuickNode, Ankr, publicnode, TronGrid.
 */
export function isRangeTooLarge(error: unknown): boolean {
  let e: unknown = error;
  for (let i = 0; e && i < 6; i++) {
    const x = e as { code?: number; message?: string; details?: string; status?: number };
    const text = `${x.message ?? ''} ${x.details ?? ''}`;
    if (x.code === -32005) return true;
    if (x.status === 413) return true;
    if ((x as { name?: string }).name === 'ResponseBodyTooLargeError') return true;
    if (
      /block range|range (is )?too (large|wide|big)|too many (results|logs|blocks)|more than \d+ (results|logs)|query returned more than|exceed(s|ed)? (the )?(max|maximum|limit)|response size|log response|limit exceeded|max(imum)? (block )?range|range limit|limited to (a )?[0-9,]+ (block )?range|query timeout|10000 results|try with this block range|response body exceeded|exceeded the size limit|body too large/i.test(
        text,
      )
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * `eth_getLogs` over [from, to] that splits the range in halves when the provider refuses it
 * (see {@link isRangeTooLarge}), shrinking `state.span` so later calls start below the limit,
 * and growing it back by 25% after successes. Issues `eth_getLogs` with hex block numbers.
 * Throws RetryableError for transport failures (the caller retries the whole range).
 */
export async function getLogsAdaptive(
  rpc: Rpc,
  common: Common,
  chain: string,
  filter: GetLogsFilter,
  from: number,
  to: number,
  state: SpanState,
): Promise<RpcLog[]> {
  const out: RpcLog[] = [];
  let start = from;
  while (start <= to) {
    const end = Math.min(to, start + state.span - 1);
    try {
      const logs = await rpc.request<RpcLog[]>('eth_getLogs', [
        { fromBlock: `0x${start.toString(16)}`, toBlock: `0x${end.toString(16)}`, address: filter.address, topics: filter.topics },
      ]);
      if (!Array.isArray(logs)) throw new RetryableError(`eth_getLogs returned ${typeof logs}, expected an array`);
      for (const l of logs) out.push(l);
      start = end + 1;
      if (state.span < state.max) state.span = Math.min(state.max, Math.ceil(state.span * 1.25));
    } catch (error) {
      if (!isRangeTooLarge(error)) throw error;
      if (end === start) throw new FatalError(`eth_getLogs refused even a single block (${start}) on ${chain}`, { cause: error });
      common.metrics.getLogsSplits.inc({ chain });
      state.span = Math.max(1, Math.floor((end - start + 1) / 2));
      common.logger.debug({ chain, from: start, to: end, span: state.span }, 'provider refused range; splitting');
    }
  }
  return out;
}
