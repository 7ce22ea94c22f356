import type { RpcLog } from '@mixwatch/chain';
import { type DeadLetter, type Flow, flowId, stableId } from '@mixwatch/core';
import type { ChainIndex, DecodeChain, DecodeContext, RawLog, Route, TxInfo } from '@mixwatch/registry';

const HEX = /^0x[0-9a-f]*$/;
const HASH = /^0x[0-9a-f]{64}$/;
const UINT = /^(0|[1-9][0-9]{0,77})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const ACCOUNT = /^[^\u0000-\u001f]{1,256}$/;
const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * address → topic0 → route, built once per index: looking up two short keys avoids building and
 * hashing a 109-character `${address}:${topic0}` string per log on the hot path.
 */
const nested = new WeakMap<ChainIndex, Map<string, Map<string, Route>>>();
export function routesByAddress(index: ChainIndex): Map<string, Map<string, Route>> {
  let m = nested.get(index);
  if (!m) {
    m = new Map();
    for (const [key, route] of index.routes) {
      const at = key.indexOf(':');
      const address = key.slice(0, at);
      let byTopic = m.get(address);
      if (!byTopic) {
        byTopic = new Map();
        m.set(address, byTopic);
      }
      byTopic.set(key.slice(at + 1), route);
    }
    nested.set(index, m);
  }
  return m;
}

/**
 * `s` when it already matches `re` (nodes answer in lowercase hex), else its lowercase form when
 * that matches, else undefined. `toLowerCase` always copies: calling it only when a character
 * needs it saves a copy of every hash, topic and data field (a third of ingest's allocations).
 */
function lowerIf(s: unknown, re: RegExp): string | undefined {
  if (typeof s !== 'string') return undefined;
  if (re.test(s)) return s;
  const l = s.toLowerCase();
  return l !== s && re.test(l) ? l : undefined;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;
/** Hex quantities below 2^52: `parseInt` is exact there and allocates no BigInt. */
const SMALL_QUANTITY = /^0x[0-9a-fA-F]{1,13}$/;

const HEX_QUANTITY = /^0x[0-9a-f]+$/i;

/** A hex JSON-RPC quantity (`0x…`) as a number, or undefined for anything else. */
export function hexQuantity(s: string): number | undefined {
  if (SMALL_QUANTITY.test(s)) return Number.parseInt(s, 16);
  return HEX_QUANTITY.test(s) ? Number(BigInt(s)) : undefined;
}

/** A JSON-RPC quantity (`0x…`; decimal strings are accepted too) as a number, or undefined. */
export function quantity(s: string): number | undefined {
  if (SMALL_QUANTITY.test(s)) return Number.parseInt(s, 16);
  try {
    return Number(BigInt(s));
  } catch {
    return undefined;
  }
}

/** Turns an RPC log into a {@link RawLog}, or returns the reason it is malformed. */
export function normalizeLog(l: RpcLog): RawLog | string {
  if (!l || typeof l !== 'object') return 'log is not an object';
  const address = lowerIf(l.address, ADDRESS);
  if (address === undefined) return `bad address ${JSON.stringify(l.address)?.slice(0, 60)}`;
  const raw = l.topics;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 4) return `bad topics (${Array.isArray(raw) ? raw.length : typeof raw})`;
  // The node's array is kept when every topic is already lowercase (the usual answer).
  let topics: string[] = raw;
  for (let i = 0; i < raw.length; i++) {
    const t = lowerIf(raw[i], HASH);
    if (t === undefined) return 'a topic is not 32 bytes of hex';
    if (t !== raw[i]) {
      if (topics === raw) topics = raw.slice();
      topics[i] = t;
    }
  }
  const data = lowerIf(l.data, HEX);
  if (data === undefined || data.length % 2 !== 0) return 'data is not hex';
  const blockHash = lowerIf(l.blockHash, HASH);
  if (blockHash === undefined) return 'bad blockHash';
  const transactionHash = lowerIf(l.transactionHash, HASH);
  if (transactionHash === undefined) return 'bad transactionHash';
  if (typeof l.blockNumber !== 'string' || typeof l.logIndex !== 'string') return 'missing blockNumber/logIndex';
  const blockNumber = quantity(l.blockNumber);
  const logIndex = quantity(l.logIndex);
  if (blockNumber === undefined || logIndex === undefined) return 'blockNumber/logIndex not a number';
  return { address, topics, data, blockNumber, blockHash, transactionHash, logIndex };
}

/** Options of {@link decodeLogs}. */
export interface DecodeLogsParameters {
  index: ChainIndex;
  chain: DecodeChain;
  logs: RawLog[];
  /** Transactions by hash, for decoders with `needsTx`. */
  txs: Map<string, TxInfo>;
  /** Block times (unix s) by block number. */
  blockTimes: Map<number, number>;
  /** Address presentation (TRON → base58); identity for EVM. */
  formatAddress: (hex: string) => string;
}

/** A dead letter for a log, with the log kept verbatim. */
export function logDeadLetter(
  stage: string,
  reason: string,
  chain: DecodeChain,
  log: Partial<RawLog> & Record<string, unknown>,
): DeadLetter {
  const payload = JSON.stringify(log);
  const id =
    typeof log.transactionHash === 'string' && typeof log.logIndex === 'number'
      ? `${chain.chainId}:${log.transactionHash}:${log.logIndex}`
      : stableId(chain.chainId, payload);
  return {
    dlq_id: id,
    stage,
    reason,
    chain: chain.name,
    chain_id: chain.chainId,
    block_number: typeof log.blockNumber === 'number' ? log.blockNumber : 0,
    tx_hash: typeof log.transactionHash === 'string' ? log.transactionHash : '',
    log_index: typeof log.logIndex === 'number' ? log.logIndex : 0,
    payload,
    created_at: Date.now(),
  };
}

/**
 * Dispatches each log on (address, topic0) to its one-event decoder and completes the drafts
 * into flows. Never throws for bad input: a malformed log, an unknown event at a watched
 * contract, a log from an address we did not ask for, or a decoder's DecodeError become dead
 * letters with the reason.
 */
export function decodeLogs(parameters: DecodeLogsParameters): { flows: Flow[]; deadLetters: DeadLetter[] } {
  const { index, chain, txs, blockTimes, formatAddress: fmt } = parameters;
  const flows: Flow[] = [];
  const deadLetters: DeadLetter[] = [];
  const byAddress = routesByAddress(index);
  const logs = parameters.logs;
  for (let n = 0; n < logs.length; n++) {
    const log = logs[n]!;
    const route = byAddress.get(log.address)?.get(log.topics[0] ?? '');
    if (!route) {
      const known = index.contractsByAddress.get(log.address);
      const reason = known
        ? `unknown event ${log.topics[0]} at watched contract ${known.label} (${known.service})`
        : `log from unwatched address ${log.address} (provider ignored the filter?)`;
      deadLetters.push(logDeadLetter('ingest.decode', reason, chain, log as never));
      continue;
    }
    const tx = txs.get(log.transactionHash);
    const blockTime = blockTimes.get(log.blockNumber);
    if (blockTime === undefined) {
      deadLetters.push(logDeadLetter('ingest.decode', `no block time for block ${log.blockNumber}`, chain, log as never));
      continue;
    }
    try {
      const ctx: DecodeContext = { chain, contract: route.contract, event: route.event, log };
      if (tx) ctx.tx = tx;
      const drafts = route.decoder.decode(ctx);
      for (let i = 0; i < drafts.length; i++) {
        const d = drafts[i]!;
        // UINT allows at most 78 digits; only 78-digit amounts can exceed 2^256-1.
        if (!UINT.test(d.amount) || (d.amount.length === 78 && BigInt(d.amount) > MAX_UINT256))
          throw new Error(`amount ${d.amount} is not a UInt256`);
        // Foreign recipients (memo/string fields) are kept as given, within the flow contract
        // (schemas/kafka: at most 256 characters, no control characters), in both bus modes.
        if (d.to_address && !ACCOUNT.test(d.to_address))
          throw new Error(
            `recipient ${JSON.stringify(d.to_address.slice(0, 80))} is not a usable account (over 256 characters or control characters)`,
          );
        if (d.from_address && !ACCOUNT.test(d.from_address))
          throw new Error(
            `sender ${JSON.stringify(d.from_address.slice(0, 80))} is not a usable account (over 256 characters or control characters)`,
          );
        flows.push({
          flow_id: flowId(chain.chainId, log.transactionHash, log.logIndex, i),
          chain: chain.name,
          chain_id: chain.chainId,
          block_number: log.blockNumber,
          block_time: blockTime,
          block_hash: log.blockHash,
          tx_hash: log.transactionHash,
          log_index: log.logIndex,
          sub_index: i,
          contract: fmt(log.address),
          event: route.event.name,
          service: d.service ?? route.contract.service,
          category: d.category ?? route.contract.category,
          action: d.action,
          from_address: d.from_address ? fmt(d.from_address) : '',
          to_address: d.to_address ? fmt(d.to_address) : '',
          tx_from: tx ? fmt(tx.from) : '',
          token: d.token === 'native' || d.token === '' ? d.token : fmt(d.token),
          token_symbol: d.token_symbol,
          amount: d.amount,
          decimals: d.decimals,
          counterparty_chain: d.counterparty_chain ?? '',
          bridge_ref: d.bridge_ref ?? '',
          extra: d.extra ?? {},
        });
      }
    } catch (error) {
      const reason = `${route.event.name} at ${route.contract.label}: ${error instanceof Error ? error.message : String(error)}`;
      deadLetters.push(logDeadLetter('ingest.decode', reason, chain, log as never));
    }
  }
  return { flows, deadLetters };
}
