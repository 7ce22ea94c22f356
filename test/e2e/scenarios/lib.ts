/**
 * Scenarios as data: sequences of on-chain events at real registry addresses with real labelled
 * actors, each step carrying both the raw log (address, topics, data, tx sender and value — what
 * an anvil replay emits with `emitLog`) and the flow the ingest produces from it. Where the
 * registry has a decoder for the (address, topic0), the flow is made by that very decoder, so the
 * data replay and the chain replay agree; native-coin transfers are plain value transfers on a
 * chain replay; bridge legs on chains without a node here (TRON) state the flow the ingest publishes.
 */
import { createHash } from 'node:crypto';
import { formatAddress, getChain } from '@mixwatch/chain';
import type { Flow, FlowMessage, RuleName } from '@mixwatch/core';
import { buildChainIndex, type ChainIndex, type FlowDraft } from '@mixwatch/registry';
import { encodeAbiParameters, keccak256, pad, toHex } from 'viem';

/** One event of a scenario. */
export interface Step {
  /** Seconds after the scenario start (block time). */
  at: number;
  chain: string;
  /** The message detect receives. */
  message: FlowMessage;
  /** The log to emit on a chain replay (absent for native transfers and heartbeats). */
  log?: { address: string; topics: string[]; data: string; from: string; value: string };
  /** A plain value transfer to make on a chain replay (native coin). */
  native?: { from: string; to: string; value: string };
}

/** What a scenario must (positive) or must not (negative) raise. */
export interface Expectation {
  rule: RuleName;
  /** Positive: at least this many alerts of the rule (default 1). */
  min?: number;
  /** Negative: at most this many (0 for a near miss). */
  max?: number;
  /** Every key must be present in the alert details with this value (deep-equal on JSON). */
  evidence?: Record<string, unknown>;
  /** Alert `address` must be one of these. */
  addresses?: string[];
}

/** One scenario: a story, its events and what detection must make of it. */
export interface Scenario {
  name: string;
  /** The rule the scenario exercises. */
  rule: RuleName;
  kind: 'positive' | 'negative';
  summary: string;
  /** Unix seconds of step 0. */
  start: number;
  steps: Step[];
  expect: Expectation[];
  /** Detector config overrides (deep-merged into the `detect` key). */
  config?: Record<string, unknown>;
  /** After the last step, advance the wall clock by this many seconds and run the silence check. */
  tickAfter?: number;
  /** Chains treated as ingested (default: every chain of the steps). */
  watchedChains?: string[];
}

const indexes = new Map<string, ChainIndex>();
function indexOf(chain: string): ChainIndex {
  let i = indexes.get(chain);
  if (!i) {
    i = buildChainIndex({ chain });
    indexes.set(chain, i);
  }
  return i;
}

/** Topic0 of the events scenarios emit (keccak256 of the canonical signature). */
export const TOPIC0 = {
  tornadoDeposit: keccak256(toHex('Deposit(bytes32,uint32,uint256)')),
  tornadoWithdrawal: keccak256(toHex('Withdrawal(address,bytes32,address,uint256)')),
  transfer: keccak256(toHex('Transfer(address,address,uint256)')),
  addedBlackList: keccak256(toHex('AddedBlackList(address)')),
  removedBlackList: keccak256(toHex('RemovedBlackList(address)')),
  destroyedBlackFunds: keccak256(toHex('DestroyedBlackFunds(address,uint256)')),
  acrossFilledV3Relay: keccak256(
    toHex(
      'FilledV3Relay(address,address,uint256,uint256,uint256,uint256,uint32,uint32,uint32,address,address,address,address,bytes,(address,bytes,uint256,uint8))',
    ),
  ),
  acrossV3FundsDeposited: keccak256(
    toHex('V3FundsDeposited(address,address,uint256,uint256,uint256,uint32,uint32,uint32,uint32,address,address,address,bytes)'),
  ),
};

/** Real addresses the scenarios use (registry and labels; sources there). */
export const ADDR = {
  tornado100Eth: '0xa160cdab225685da1d56aa342ad8841c3b53f291',
  tornado10Eth: '0x910cbd523d972eb0a6f4cae4618ad62622b39dbf',
  tornado1Eth: '0x47ce0c6ed5b0ce3d3a51fdb1c52dc66a7c3c2936',
  tornadoRouter: '0xd90e2f925da726b50c4ed8d0fb90ad053324f31b',
  usdtEthereum: '0xdac17f958d2ee523a2206206994597c13d831ec7',
  usdtTronHex: '0xa614f803b6fd780986a42c78ec9c7f77e6ded13c',
  allbridgeEthereum: '0x609c690e8f7d68a59885c9132e812eebdaaf0c9e',
  allbridgeTronPool: 'TAC21biCBL9agjuUyzd4gZr356zRgJq61b',
  stargateUsdtEthereum: '0x933597a323eb81cae705c5bc29985172fd5a3973',
  stargateUsdtArbitrum: '0xce8cca271ebc0533920c83d39f417ed6a0abb7d0',
  acrossEthereum: '0x5c7bcd6e7de5423a257d81b442095a1a6ced35c5',
  acrossArbitrum: '0xe35e9842fceaca96570b734083f4a58e8f7c5f2a',
  usdtArbitrum: '0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9',
  wethEthereum: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
  wethArbitrum: '0x82af49447d8a07e3bd95bd0d56f35241523fbab1',
  /** Harmony Horizon exploiters (FBI-attributed to Lazarus; labels/dprk_harmony_horizon_2022.csv). */
  harmony1: '0x0d043128146654c7683fbf30ac98d7b2285ded00',
  harmony2: '0x9e91ae672e7f7330fc6b9bab9c259bd94cd08715',
  harmony3: '0x58f4baccb411acef70a5f6dd174af7854fc48fa9',
  harmony4: '0x1ec6f83b55c3f4cefc630442716872ba15f16430',
  /** Ronin exploiter (OFAC SDN LAZARUS GROUP). */
  ronin: '0x098b716b8aaf21512996dc57eb0615e2383e2f96',
  /** A TRON address on the OFAC SDN list (USDT tag). */
  tronSdn: 'TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM',
} as const;

/** A deterministic fresh EVM address for a role in a scenario (no one controls it on mainnet). */
export function fresh(scenario: string, role: string): string {
  return `0x${createHash('sha256').update(`${scenario}/${role}`).digest('hex').slice(0, 40)}`;
}

/** A deterministic fresh TRON address (base58) for a role. */
export function freshTron(scenario: string, role: string): string {
  return formatAddress('tron', fresh(scenario, role));
}

const ETH = 10n ** 18n;

/** Builds the steps of one scenario with consistent blocks, tx hashes and log indexes. */
export class ScenarioBuilder {
  readonly steps: Step[] = [];
  private readonly blocks = new Map<string, number>();
  private n = 0;
  /** `blocksFrom`: each chain's blocks count up from here (a later wave of a story needs later blocks). */
  constructor(
    readonly name: string,
    readonly start: number,
    private readonly blocksFrom = 17_000_000,
  ) {}

  private ids(chain: string, at: number) {
    const info = getChain(chain);
    if (!info) throw new Error(`scenario ${this.name}: unknown chain ${chain}`);
    const block = (this.blocks.get(chain) ?? this.blocksFrom) + 1;
    this.blocks.set(chain, block);
    const tx = `0x${createHash('sha256')
      .update(`${this.name}#${this.n++}`)
      .digest('hex')}`;
    return { info, block, tx, time: this.start + at };
  }

  private flow(
    chain: string,
    at: number,
    contract: string,
    event: string,
    draft: FlowDraft & { service: string; category: Flow['category'] },
    txFrom: string,
    ids = this.ids(chain, at),
  ): Flow {
    const fmt = (a: string) => (ids.info.addressFormat === 'tron' && /^0x[0-9a-f]{40}$/.test(a) ? formatAddress('tron', a) : a);
    return {
      flow_id: `${ids.info.chainId}:${ids.tx}:0:0`,
      chain,
      chain_id: ids.info.chainId,
      block_number: ids.block,
      block_time: ids.time,
      block_hash: keccak256(toHex(`${chain}:${ids.block}`)),
      tx_hash: ids.tx,
      log_index: 0,
      sub_index: 0,
      contract: fmt(contract),
      event,
      service: draft.service,
      category: draft.category,
      action: draft.action,
      from_address: fmt(draft.from_address),
      to_address: fmt(draft.to_address),
      tx_from: fmt(txFrom),
      token: draft.token === 'native' ? 'native' : fmt(draft.token),
      token_symbol: draft.token_symbol,
      amount: draft.amount,
      decimals: draft.decimals,
      counterparty_chain: draft.counterparty_chain ?? '',
      bridge_ref: draft.bridge_ref ?? '',
      extra: draft.extra ?? {},
    };
  }

  /** Decodes a log with the registry decoder for (address, topic0), like the ingest does. */
  private decoded(
    chain: string,
    at: number,
    log: { address: string; topics: string[]; data: string },
    tx: { from: string; to: string; value: string },
  ) {
    const ids = this.ids(chain, at);
    const route = indexOf(chain).routes.get(`${log.address}:${log.topics[0]}`);
    if (!route) throw new Error(`scenario ${this.name}: no decoder for ${chain} ${log.address} ${log.topics[0]}`);
    const drafts = route.decoder.decode({
      chain: { name: chain, chainId: ids.info.chainId, nativeSymbol: ids.info.nativeSymbol, addressFormat: ids.info.addressFormat },
      contract: route.contract,
      event: route.event,
      log: { ...log, blockNumber: ids.block, blockHash: '0x', transactionHash: ids.tx, logIndex: 0 },
      tx: { from: tx.from, to: tx.to, value: tx.value },
    });
    const draft = drafts[0]!;
    return this.flow(
      chain,
      at,
      log.address,
      route.event.name,
      { ...draft, service: route.contract.service, category: route.contract.category },
      tx.from,
      ids,
    );
  }

  private push(at: number, chain: string, flow: Flow, log?: Step['log'], native?: Step['native']) {
    const step: Step = { at, chain, message: { type: 'flow', flow } };
    if (log) step.log = log;
    if (native) step.native = native;
    this.steps.push(step);
    return flow;
  }

  /** Tornado `Deposit` into `pool` by `from` (tx to the pool with the denomination as value). */
  tornadoDeposit(at: number, from: string, pool: string = ADDR.tornado100Eth, chain = 'ethereum', valueWei = 100n * ETH): Flow {
    const commitment = keccak256(toHex(`${this.name}:commitment:${this.n}`));
    const data = encodeAbiParameters([{ type: 'uint32' }, { type: 'uint256' }], [this.n, BigInt(this.start + at)]);
    const log = { address: pool, topics: [TOPIC0.tornadoDeposit, commitment], data };
    const flow = this.decoded(chain, at, log, { from, to: pool, value: valueWei.toString() });
    return this.push(at, chain, flow, { ...log, from, value: valueWei.toString() });
  }

  /** Tornado `Withdrawal` from `pool` to `to` through a relayer. */
  tornadoWithdrawal(
    at: number,
    to: string,
    pool: string = ADDR.tornado100Eth,
    relayer = fresh('relayers', 'r1'),
    chain = 'ethereum',
  ): Flow {
    const nullifier = keccak256(toHex(`${this.name}:nullifier:${this.n}`));
    const data = encodeAbiParameters(
      [{ type: 'address' }, { type: 'bytes32' }, { type: 'uint256' }],
      [to as `0x${string}`, nullifier, 10n ** 16n],
    );
    const log = { address: pool, topics: [TOPIC0.tornadoWithdrawal, pad(relayer as `0x${string}`, { size: 32 })], data };
    const flow = this.decoded(chain, at, log, { from: relayer, to: pool, value: '0' });
    return this.push(at, chain, flow, { ...log, from: relayer, value: '0' });
  }

  /** ERC-20 `Transfer` of USDT (raw units, 6 decimals) on Ethereum. */
  usdtTransfer(at: number, from: string, to: string, usdt: number, chain = 'ethereum', token: string = ADDR.usdtEthereum): Flow {
    const amount = BigInt(Math.round(usdt * 1e6));
    const log = {
      address: token,
      topics: [TOPIC0.transfer, pad(from as `0x${string}`, { size: 32 }), pad(to as `0x${string}`, { size: 32 })],
      data: encodeAbiParameters([{ type: 'uint256' }], [amount]),
    };
    const flow = this.decoded(chain, at, log, { from, to: token, value: '0' });
    return this.push(at, chain, flow, { ...log, from, value: '0' });
  }

  /** Tether `AddedBlackList(address)` (legacy, not indexed) / `RemovedBlackList` / `DestroyedBlackFunds`. */
  tetherIssuer(at: number, kind: 'freeze' | 'unfreeze' | 'destroy', holder: string, usdt = 0): Flow {
    const topic = kind === 'freeze' ? TOPIC0.addedBlackList : kind === 'unfreeze' ? TOPIC0.removedBlackList : TOPIC0.destroyedBlackFunds;
    const data =
      kind === 'destroy'
        ? encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [holder as `0x${string}`, BigInt(Math.round(usdt * 1e6))])
        : encodeAbiParameters([{ type: 'address' }], [holder as `0x${string}`]);
    const issuer = '0xc6cde7c39eb2f0f0095f41570af89efc2c1ea828';
    const log = { address: ADDR.usdtEthereum, topics: [topic], data };
    const flow = this.decoded('ethereum', at, log, { from: issuer, to: ADDR.usdtEthereum, value: '0' });
    return this.push(at, 'ethereum', flow, { ...log, from: issuer, value: '0' });
  }

  /**
   * Across SpokePool `V3FundsDeposited` on Ethereum (a bridge departure; ref = origin chain id and
   * depositId). Layout from the across-protocol/contracts ABI the registry cites.
   */
  acrossDeposit(at: number, depositor: string, recipient: string, amountWei: bigint, destinationChainId: number, depositId: number): Flow {
    const data = encodeAbiParameters(
      [
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'uint32' },
        { type: 'uint32' },
        { type: 'uint32' },
        { type: 'address' },
        { type: 'address' },
        { type: 'bytes' },
      ],
      [
        ADDR.wethEthereum,
        ADDR.wethArbitrum,
        amountWei,
        (amountWei * 999n) / 1000n,
        this.start + at,
        this.start + at + 3_600,
        0,
        recipient as `0x${string}`,
        '0x0000000000000000000000000000000000000000',
        '0x',
      ],
    );
    const log = {
      address: ADDR.acrossEthereum,
      topics: [
        TOPIC0.acrossV3FundsDeposited,
        pad(toHex(destinationChainId), { size: 32 }),
        pad(toHex(depositId), { size: 32 }),
        pad(depositor as `0x${string}`, { size: 32 }),
      ],
      data,
    };
    const flow = this.decoded('ethereum', at, log, { from: depositor, to: ADDR.acrossEthereum, value: '0' });
    return this.push(at, 'ethereum', flow, { ...log, from: depositor, value: '0' });
  }

  /**
   * Across SpokePool `FilledV3Relay` on Arbitrum: the arrival of deposit (`originChainId`,
   * `depositId`), paid by `relayer` to `recipient` (`amountWei` after the relayer's fee).
   */
  acrossFill(
    at: number,
    recipient: string,
    depositor: string,
    amountWei: bigint,
    originChainId: number,
    depositId: number,
    relayer = fresh('relayers', 'across'),
  ): Flow {
    const data = encodeAbiParameters(
      [
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'uint32' },
        { type: 'uint32' },
        { type: 'address' },
        { type: 'address' },
        { type: 'address' },
        { type: 'bytes' },
        {
          type: 'tuple',
          components: [{ type: 'address' }, { type: 'bytes' }, { type: 'uint256' }, { type: 'uint8' }],
        },
      ],
      [
        ADDR.wethEthereum,
        ADDR.wethArbitrum,
        amountWei,
        amountWei,
        42_161n,
        this.start + at + 3_600,
        0,
        '0x0000000000000000000000000000000000000000',
        depositor as `0x${string}`,
        recipient as `0x${string}`,
        '0x',
        [recipient as `0x${string}`, '0x', amountWei, 0],
      ],
    );
    const log = {
      address: ADDR.acrossArbitrum,
      topics: [
        TOPIC0.acrossFilledV3Relay,
        pad(toHex(originChainId), { size: 32 }),
        pad(toHex(depositId), { size: 32 }),
        pad(relayer as `0x${string}`, { size: 32 }),
      ],
      data,
    };
    const flow = this.decoded('arbitrum', at, log, { from: relayer, to: ADDR.acrossArbitrum, value: '0' });
    return this.push(at, 'arbitrum', flow, { ...log, from: relayer, value: '0' });
  }

  /**
   * A native-coin transfer (no log): on a chain replay a plain value transfer, which the ingest
   * turns into a flow when the sender is watched; here the flow it publishes (category `native`,
   * action `transfer`, token `native`).
   */
  nativeTransfer(at: number, from: string, to: string, eth: number, chain = 'ethereum'): Flow {
    const info = getChain(chain)!;
    const amount = (BigInt(Math.round(eth * 1e6)) * 10n ** 12n).toString();
    const flow = this.flow(
      chain,
      at,
      '',
      'tx',
      {
        service: 'native',
        category: 'native',
        action: 'transfer',
        from_address: from,
        to_address: to,
        token: 'native',
        token_symbol: info.nativeSymbol,
        amount,
        decimals: 18,
      },
      from,
    );
    return this.push(at, chain, flow, undefined, { from, to, value: amount });
  }

  /**
   * A bridge leg at a real bridge contract, stated as the flow the bridge decoder publishes
   * (action, counterparty_chain, bridge_ref; empty ref for bridges paired by amount and time) —
   * for legs no scenario chain can emit (TRON) or whose decoder needs the call data.
   */
  bridge(
    at: number,
    leg: {
      action: 'bridge_out' | 'bridge_in';
      chain: string;
      service: string;
      contract: string;
      from: string;
      to: string;
      symbol: string;
      token: string;
      amount: bigint;
      decimals: number;
      counterparty: string;
      ref?: string;
    },
  ): Flow {
    const flow = this.flow(
      leg.chain,
      at,
      leg.contract,
      leg.action === 'bridge_out' ? 'TokensSent' : 'TokensReceived',
      {
        service: leg.service,
        category: 'bridge',
        action: leg.action,
        from_address: leg.from,
        to_address: leg.to,
        token: leg.token,
        token_symbol: leg.symbol,
        amount: leg.amount.toString(),
        decimals: leg.decimals,
        counterparty_chain: leg.counterparty,
        bridge_ref: leg.ref ?? '',
      },
      leg.action === 'bridge_out' ? leg.from : fresh('relayers', leg.service),
    );
    return this.push(at, leg.chain, flow);
  }

  /** An ingest heartbeat (wall clock `at` seconds after start, as ms). */
  heartbeat(at: number, chain: string, h: { head: number; cursor: number; rpc_failures?: number; last_error?: string }): void {
    const info = getChain(chain)!;
    this.steps.push({
      at,
      chain,
      message: {
        type: 'heartbeat',
        chain,
        chain_id: info.chainId,
        head: h.head,
        cursor: h.cursor,
        cursor_time: this.start + at,
        rpc_failures: h.rpc_failures ?? 0,
        last_error: h.last_error ?? '',
        at: (this.start + at) * 1000,
      },
    });
  }
}

/** `n` whole ETH in wei. */
export function eth(n: number): bigint {
  return BigInt(Math.round(n * 1e6)) * 10n ** 12n;
}

/** `n` whole USDT in raw units (6 decimals). */
export function usdt(n: number): bigint {
  return BigInt(Math.round(n * 1e6));
}

/**
 * One checkpoint per chain after the last flow of `messages` on it, as ingest publishes at the
 * end of a range: the roles advance their cursors on it (detect's restore reads them).
 */
export function closingCheckpoints(messages: FlowMessage[]): Array<Extract<FlowMessage, { type: 'checkpoint' }>> {
  const last = new Map<number, { chain: string; block: number; time: number }>();
  for (const m of messages)
    if (m.type === 'flow') last.set(m.flow.chain_id, { chain: m.flow.chain, block: m.flow.block_number, time: m.flow.block_time });
  return [...last].map(([chain_id, c]) => ({
    type: 'checkpoint',
    chain: c.chain,
    chain_id,
    block: c.block,
    hash: `0x${'0'.repeat(64)}`,
    block_time: c.time,
    blocks: [],
    published_at: Date.now(),
  }));
}
