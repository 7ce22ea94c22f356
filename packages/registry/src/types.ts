import type { Action, Category, Flow } from '@mixwatch/core';

/** One event a watched contract emits and how to decode it. */
export interface EventDef {
  name: string;
  /** Canonical signature, e.g. `Transfer(address,address,uint256)`. */
  signature: string;
  /** keccak256 of the signature, lowercase 0x-hex. */
  topic0: string;
  /** Decoder name in {@link DECODERS}; null = known event we do not turn into flows. */
  decoder: string | null;
  /** Source-registry variant note (e.g. `legacy pre-Mar-2023`), when the source gives one. */
  variant?: string;
  /** Names of the indexed arguments, as given by the source registry (absent when it did not say). */
  indexedArgs?: string[];
  /** Overrides the entry's {@link ContractEntry.pairing} for this event (Hop: L1→L2 legs have no id). */
  pairing?: Pairing;
}

/**
 * How the two legs of a bridge transfer are matched: `ref` = both legs carry the same
 * `bridge_ref` (message id, nonce, deposit id…); `amount_time` = no shared id, `bridge_ref` is
 * empty and detection pairs by token, amount and time window.
 */
export type Pairing = 'ref' | 'amount_time';

/** A token the registry knows (pool tokens, stablecoins). */
export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

/** One watched contract, as data with its source. */
export interface ContractEntry {
  /** Slug used in the `service` column: `tornado`, `railgun`, `wormhole`, `usdt`… */
  service: string;
  /** Human name from the source: `Tornado Cash`. */
  serviceName: string;
  category: Category;
  /** Finer kind from the source registry (`mixer`, `mixer-router`, `bridge-pool`…). */
  kind: string;
  chain: string;
  chainId: number;
  /** Lowercase 0x-hex as seen in logs (TRON too: the 20 bytes without the 0x41 prefix). */
  address: string;
  /** EVM only: the address exactly as written in the source (EIP-55 checksummed where the source was). */
  addressChecksum?: string;
  /** TRON only: base58 `T…`. */
  addressBase58?: string;
  label: string;
  /** Mixer pools: the fixed amount, raw units, and its token. */
  denomination?: { amount: string; raw: string; token: TokenInfo | 'native' };
  /** The token this contract moves or is (stablecoins, single-asset bridge pools); `address` may be `native`. */
  token?: TokenInfo;
  /** Stargate v1 pools: the decimals of `amountSD` in Swap/SwapRemote. */
  sharedDecimals?: number;
  /** Bridges: how legs pair (see {@link Pairing}). */
  pairing?: Pairing;
  /**
   * The entry is not an emitting contract but a custody address watched through token events
   * (Avalanche Bridge EOA, Orbit Bridge vaults): its events are ERC-20 `Transfer`s emitted by
   * `tokens` whose topic1 or topic2 is `address`. Into it = `bridge_out` to `counterparty`, out of
   * it = `bridge_in`; `sameAddress`: the bridge credits the sender's own address on the other side.
   */
  watch?: { kind: 'erc20_counterparty'; tokens: string[]; counterparty: string; sameAddress: boolean };
  events: EventDef[];
  deployedBlock?: number;
  confidence: 'high' | 'medium' | 'low';
  source: string;
  notes?: string;
}

/** A log as returned by `eth_getLogs` (hex strings lowercased, numbers parsed). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  logIndex: number;
}

/** The transaction a log came from, for events that do not carry the actor or the value. */
export interface TxInfo {
  from: string;
  to: string | null;
  /** Wei as a decimal string. */
  value: string;
  input?: string;
}

/** Chain facts a decoder may need. */
export interface DecodeChain {
  name: string;
  chainId: number;
  nativeSymbol: string;
  addressFormat: 'evm' | 'tron';
}

/** What a decoder gets. */
export interface DecodeContext {
  chain: DecodeChain;
  contract: ContractEntry;
  event: EventDef;
  log: RawLog;
  /** Present when the decoder declared `needsTx`. */
  tx?: TxInfo;
}

/** The part of a flow a decoder fills; ingest adds identity, block and contract fields. */
export type FlowDraft = Pick<Flow, 'action' | 'from_address' | 'to_address' | 'token' | 'token_symbol' | 'amount' | 'decimals'> &
  Partial<Pick<Flow, 'counterparty_chain' | 'bridge_ref' | 'extra' | 'category' | 'service'>>;

/**
 * One decoder per event shape. `decode` returns the flows of one log (usually one; a Railgun
 * Shield carries several) and throws `DecodeError` on a malformed log (wrong topic count,
 * short data); the caller sends that log to the dead-letter topic.
 */
export interface Decoder {
  name: string;
  /** The event has no actor/value: ingest fetches the transaction first. */
  needsTx: boolean;
  decode(ctx: DecodeContext): FlowDraft[];
}

export type { Action };
