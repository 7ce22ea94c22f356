// Regenerates packages/registry/data/contracts.json from the research registry
// (../shared/data/registry.json, every entry with its source). Run after the shared data or the
// mappings below change:  node --import tsx packages/registry/scripts/import-registry.ts [path/to/registry.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak256, toBytes } from 'viem';

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(process.argv[2] ?? join(here, '../../../../shared/data/registry.json'));
const out = join(here, '../data/contracts.json');
const tokens = JSON.parse(readFileSync(join(here, '../data/tokens.json'), 'utf8')) as Record<
  string,
  Record<string, { symbol: string; decimals: number }>
>;
const assets = JSON.parse(readFileSync(join(here, '../data/contract-assets.json'), 'utf8')) as Record<
  string,
  Record<string, { token: string; symbol: string; decimals: number; sharedDecimals?: number; source: string }>
>;

/** Source service name -> `service` column slug. */
const SERVICE_SLUG: Record<string, string> = {
  'Tornado Cash': 'tornado',
  Railgun: 'railgun',
  'Tether USDT': 'usdt',
  USDD: 'usdd',
  Wormhole: 'wormhole',
  'Circle CCTP': 'cctp',
  Across: 'across',
  'Stargate (v1, LayerZero v1)': 'stargate',
  'Stargate (v2, LayerZero v2)': 'stargate',
  'LayerZero v2': 'layerzero',
  Synapse: 'synapse',
  'Celer cBridge': 'cbridge',
  'Multichain (Anyswap)': 'multichain',
  THORChain: 'thorchain',
  Hop: 'hop',
  Axelar: 'axelar',
  deBridge: 'debridge',
  'deBridge DLN': 'debridge',
  'Allbridge Core': 'allbridge',
  'Orbit Bridge': 'orbit',
  'Harmony Horizon Bridge': 'harmony',
  'Ronin Bridge': 'ronin',
  'Avalanche Bridge (AB)': 'avalanche_bridge',
};

/** (service slug, canonical signature) -> decoder name. Add a row when a decoder is written. */
const DECODER_BY_SIGNATURE: Record<string, Record<string, string>> = {
  tornado: {
    'Deposit(bytes32,uint32,uint256)': 'tornado.deposit',
    'Withdrawal(address,bytes32,address,uint256)': 'tornado.withdrawal',
  },
  usdt: {
    'Transfer(address,address,uint256)': 'erc20.transfer',
    'AddedBlackList(address)': 'tether.added_blacklist',
    'RemovedBlackList(address)': 'tether.removed_blacklist',
    'DestroyedBlackFunds(address,uint256)': 'tether.destroyed_black_funds',
    'BlockPlaced(address)': 'tether.block_placed',
    'BlockReleased(address)': 'tether.block_released',
    'DestroyedBlockedFunds(address,uint256)': 'tether.destroyed_blocked_funds',
  },
  usdd: {
    'Transfer(address,address,uint256)': 'erc20.transfer',
  },
  railgun: {
    'Shield(uint256,uint256,(bytes32,(uint8,address,uint256),uint120)[],(bytes32[3],bytes32)[],uint256[])': 'railgun.shield',
    'Shield(uint256,uint256,(bytes32,(uint8,address,uint256),uint120)[],(bytes32[3],bytes32)[])': 'railgun.shield_legacy',
    'GeneratedCommitmentBatch(uint256,uint256,(uint256,(uint8,address,uint256),uint120)[],uint256[2][])':
      'railgun.generated_commitment_batch',
    'Unshield(address,(uint8,address,uint256),uint256,uint256)': 'railgun.unshield',
    'Transact(uint256,uint256,bytes32[],(bytes32[4],bytes32,bytes32,bytes,bytes)[])': 'railgun.transact',
    'CommitmentBatch(uint256,uint256,uint256[],(uint256[4],uint256[2],uint256[])[])': 'railgun.commitment_batch',
    'Nullified(uint16,bytes32[])': 'railgun.nullified',
    'Nullifiers(uint256,uint256[])': 'railgun.nullifiers',
  },
  wormhole: {
    'LogMessagePublished(address,uint64,uint32,bytes,uint8)': 'wormhole.log_message_published',
    'TransferRedeemed(uint16,bytes32,uint64)': 'wormhole.transfer_redeemed',
  },
  stargate: {
    'Swap(uint16,uint256,address,uint256,uint256,uint256,uint256,uint256)': 'stargate.v1_swap',
    'SwapRemote(address,uint256,uint256,uint256)': 'stargate.v1_swap_remote',
    'OFTSent(bytes32,uint32,address,uint256,uint256)': 'stargate.v2_oft_sent',
    'OFTReceived(bytes32,uint32,address,uint256)': 'stargate.v2_oft_received',
  },
  across: {
    'V3FundsDeposited(address,address,uint256,uint256,uint256,uint32,uint32,uint32,uint32,address,address,address,bytes)':
      'across.v3_funds_deposited',
    'FundsDeposited(bytes32,bytes32,uint256,uint256,uint256,uint256,uint32,uint32,uint32,bytes32,bytes32,bytes32,bytes)':
      'across.funds_deposited',
    'FilledV3Relay(address,address,uint256,uint256,uint256,uint256,uint32,uint32,uint32,address,address,address,address,bytes,(address,bytes,uint256,uint8))':
      'across.filled_v3_relay',
    'FilledRelay(bytes32,bytes32,uint256,uint256,uint256,uint256,uint256,uint32,uint32,bytes32,bytes32,bytes32,bytes32,bytes32,(bytes32,bytes32,uint256,uint8))':
      'across.filled_relay',
  },
  synapse: {
    'TokenDeposit(address,uint256,address,uint256)': 'synapse.token_deposit',
    'TokenRedeem(address,uint256,address,uint256)': 'synapse.token_redeem',
    'TokenRedeemV2(bytes32,uint256,address,uint256)': 'synapse.token_redeem_v2',
    'TokenDepositAndSwap(address,uint256,address,uint256,uint8,uint8,uint256,uint256)': 'synapse.token_deposit_and_swap',
    'TokenRedeemAndSwap(address,uint256,address,uint256,uint8,uint8,uint256,uint256)': 'synapse.token_redeem_and_swap',
    'TokenRedeemAndRemove(address,uint256,address,uint256,uint8,uint256,uint256)': 'synapse.token_redeem_and_remove',
    'TokenWithdraw(address,address,uint256,uint256,bytes32)': 'synapse.token_withdraw',
    'TokenMint(address,address,uint256,uint256,bytes32)': 'synapse.token_mint',
    'TokenMintAndSwap(address,address,uint256,uint256,uint8,uint8,uint256,uint256,bool,bytes32)': 'synapse.token_mint_and_swap',
    'TokenWithdrawAndRemove(address,address,uint256,uint256,uint8,uint256,uint256,bool,bytes32)': 'synapse.token_withdraw_and_remove',
    'CircleRequestSent(uint256,address,uint64,address,uint256,uint32,bytes,bytes32)': 'synapse.circle_request_sent',
    'CircleRequestFulfilled(uint32,address,address,uint256,address,uint256,bytes32)': 'synapse.circle_request_fulfilled',
    'BridgeRequested(bytes32,address,bytes,uint32,address,address,uint256,uint256,bool)': 'synapse.bridge_requested',
    'BridgeRelayed(bytes32,address,address,uint32,address,address,uint256,uint256,uint256)': 'synapse.bridge_relayed',
  },
  harmony: {
    'Locked(address,address,uint256,address)': 'harmony.locked',
    'Unlocked(address,uint256,address,bytes32)': 'harmony.unlocked',
    'Unlocked(uint256,address)': 'harmony.unlocked_busd',
  },
  cbridge: {
    'Send(bytes32,address,address,address,uint256,uint64,uint64,uint32)': 'cbridge.send',
    'Relay(bytes32,address,address,address,uint256,uint64,bytes32)': 'cbridge.relay',
  },
  multichain: {
    'LogAnySwapOut(address,address,address,uint256,uint256,uint256)': 'multichain.swap_out',
    'LogAnySwapOut(address,address,string,uint256,uint256,uint256)': 'multichain.swap_out_string',
    'LogAnySwapIn(bytes32,address,address,uint256,uint256,uint256)': 'multichain.swap_in',
    'LogAnySwapOut(bytes32,address,address,string,uint256,uint256)': 'multichain.v7_swap_out',
    'LogAnySwapIn(string,bytes32,address,address,uint256,uint256)': 'multichain.v7_swap_in',
  },
  thorchain: {
    'Deposit(address,address,uint256,string)': 'thorchain.deposit',
    'TransferOut(address,address,address,uint256,string)': 'thorchain.transfer_out',
    'TransferOutAndCall(address,address,uint256,address,address,uint256,string)': 'thorchain.transfer_out_and_call',
  },
  cctp: {
    'DepositForBurn(uint64,address,uint256,address,bytes32,uint32,bytes32,bytes32)': 'cctp.deposit_for_burn',
    'MintAndWithdraw(address,uint256,address)': 'cctp.mint_and_withdraw',
  },
  debridge: {
    'Sent(bytes32,bytes32,uint256,bytes,uint256,uint256,uint32,(uint256,uint256,uint256,bool,bool),bytes,address)': 'debridge.sent',
    'Claimed(bytes32,bytes32,uint256,address,uint256,uint256,bytes,bool)': 'debridge.claimed',
  },
  hop: {
    'TransferSentToL2(uint256,address,uint256,uint256,uint256,address,uint256)': 'hop.transfer_sent_to_l2',
    'TransferSent(bytes32,uint256,address,uint256,bytes32,uint256,uint256,uint256,uint256)': 'hop.transfer_sent',
    'WithdrawalBonded(bytes32,uint256)': 'hop.withdrawal_bonded',
    'Withdrew(bytes32,address,uint256,bytes32)': 'hop.withdrew',
    'TransferFromL1Completed(address,uint256,uint256,uint256,address,uint256)': 'hop.transfer_from_l1_completed',
  },
  axelar: {
    'ContractCallWithToken(address,string,string,bytes32,bytes,string,uint256)': 'axelar.contract_call_with_token',
    'TokenSent(address,string,string,string,uint256)': 'axelar.token_sent',
    'ContractCallApprovedWithMint(bytes32,string,string,address,bytes32,string,uint256,bytes32,uint256)':
      'axelar.contract_call_approved_with_mint',
  },
  allbridge: {
    'TokensSent(uint256,bytes32,uint256,bytes32,uint256,uint8)': 'allbridge.tokens_sent',
    'TokensReceived(uint256,bytes32,uint256,uint8,bytes32)': 'allbridge.tokens_received',
  },
  ronin: {
    'TokenDeposited(uint256,address,address,address,uint32,uint256)': 'ronin.v1_token_deposited',
    'TokenWithdrew(uint256,address,address,uint256)': 'ronin.v1_token_withdrew',
    'DepositRequested(bytes32,(uint256,uint8,(address,address,uint256),(address,address,uint256),(uint8,uint256,uint256)))':
      'ronin.deposit_requested',
    'Withdrew(bytes32,(uint256,uint8,(address,address,uint256),(address,address,uint256),(uint8,uint256,uint256)))': 'ronin.withdrew',
  },
  avalanche_bridge: {
    'Transfer(address,address,uint256)': 'custody.transfer',
  },
  orbit: {
    'Transfer(address,address,uint256)': 'custody.transfer',
  },
};

/** How bridge legs pair, per service (Stargate per version): `ref` = shared id in both legs. */
const PAIRING: Record<string, 'ref' | 'amount_time'> = {
  wormhole: 'ref',
  cctp: 'ref',
  across: 'ref',
  'Stargate (v1, LayerZero v1)': 'amount_time',
  'Stargate (v2, LayerZero v2)': 'ref',
  layerzero: 'ref',
  synapse: 'ref',
  cbridge: 'ref',
  multichain: 'ref',
  thorchain: 'ref',
  hop: 'ref',
  axelar: 'ref',
  debridge: 'ref',
  allbridge: 'ref',
  orbit: 'amount_time',
  harmony: 'amount_time',
  ronin: 'ref',
  avalanche_bridge: 'amount_time',
};
/** Events whose legs have no id although the service otherwise has one. */
const EVENT_PAIRING: Record<string, 'amount_time'> = {
  'TransferSentToL2(uint256,address,uint256,uint256,uint256,address,uint256)': 'amount_time',
  'TransferFromL1Completed(address,uint256,uint256,uint256,address,uint256)': 'amount_time',
};

/**
 * Custody addresses watched through ERC-20 Transfer logs instead of their own events. The
 * Avalanche Bridge's Ethereum side is an EOA (it emits nothing); the Orbit Bridge vaults' event
 * ABI was not collected, and the source itself says to monitor Transfers from/to the vault. Each
 * becomes an entry with `watch` and one `Transfer` event; the dispatch index routes the listed
 * tokens' Transfer logs touching the address to `custody.transfer`. Tokens: the main ERC-20s that
 * tokens.json knows on that chain (the Orbit ETH vault also held native ETH, which has no log).
 */
const WATCHED: Record<string, { counterparty: string; sameAddress: boolean; tokens: Record<string, string[]> }> = {
  avalanche_bridge: {
    counterparty: 'avalanche',
    sameAddress: true,
    tokens: {
      ethereum: [
        '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', // WETH
        '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', // USDC
        '0xdac17f958d2ee523a2206206994597c13d831ec7', // USDT
        '0x6b175474e89094c44da98b954eedeac495271d0f', // DAI
        '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599', // WBTC
      ],
    },
  },
  orbit: {
    counterparty: 'orbit',
    sameAddress: false,
    tokens: {
      ethereum: [
        '0xdac17f958d2ee523a2206206994597c13d831ec7', // USDT
        '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', // USDC
        '0x6b175474e89094c44da98b954eedeac495271d0f', // DAI
        '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599', // WBTC
        '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', // WETH
      ],
      bsc: ['0x55d398326f99059ff775485246999027b3197955', '0x8ac76a51cc950d9822d68b83fe1ad97b32cd580d'], // BSC-USD, USDC
      polygon: ['0xc2132d05d31c914a87c6611c10748aeb04b58e8f', '0x3c499c542cef5e3811e1192ce70d8cc03d5c3359'], // USDT, USDC
    },
  },
};

/**
 * Events the research registry left out (`events: []`) whose ABI mixwatch verified in the
 * project's own source; each names that source and is kept next to the registry's.
 */
const EXTRA_EVENTS: Array<{
  service: string;
  label: RegExp;
  events: Array<{ name: string; signature: string; indexedArgs: string[] }>;
  source: string;
}> = [
  {
    service: 'Synapse',
    label: /FastBridge/,
    events: [
      {
        name: 'BridgeRequested',
        signature: 'BridgeRequested(bytes32,address,bytes,uint32,address,address,uint256,uint256,bool)',
        indexedArgs: ['transactionId', 'sender'],
      },
      {
        name: 'BridgeRelayed',
        signature: 'BridgeRelayed(bytes32,address,address,uint32,address,address,uint256,uint256,uint256)',
        indexedArgs: ['transactionId', 'relayer', 'to'],
      },
    ],
    source:
      'https://github.com/synapsecns/sanguine/blob/0b9d43bf14d29e27535bd1030bf8f5c430c5308f/packages/contracts-rfq/contracts/interfaces/IFastBridge.sol',
  },
  {
    service: 'Harmony Horizon Bridge',
    label: /"ETH Bridge"|"ERC20 Bridge"/,
    events: [
      { name: 'Locked', signature: 'Locked(address,address,uint256,address)', indexedArgs: ['token', 'sender'] },
      { name: 'Unlocked', signature: 'Unlocked(address,uint256,address,bytes32)', indexedArgs: [] },
    ],
    source:
      'https://github.com/harmony-one/ethhmy-bridge/blob/34082896da7d92c2887da50e375a81a8d66e946d/contracts/erc20/ERC20EthManager.sol (same events in contracts/eth/EthManager.sol @0191391d88c8828d2f87747e9a4e0760370bfb2e)',
  },
  {
    service: 'Harmony Horizon Bridge',
    label: /"BUSD Bridge"/,
    events: [
      { name: 'Locked', signature: 'Locked(address,address,uint256,address)', indexedArgs: ['token', 'sender'] },
      { name: 'Unlocked', signature: 'Unlocked(uint256,address)', indexedArgs: [] },
    ],
    source: 'https://github.com/harmony-one/ethhmy-bridge/blob/490c0b23798f63aae9dd7a564038f1f2278c4262/contracts/busd/BUSDEthManager.sol',
  },
];
const TRANSFER_SIG = 'Transfer(address,address,uint256)';

function category(kind: string): string {
  if (kind.startsWith('mixer')) return 'mixer';
  if (kind.startsWith('stablecoin')) return 'stablecoin';
  if (kind.startsWith('swap')) return 'swap';
  return 'bridge';
}

function toRaw(amount: string, decimals: number): string {
  const [int, frac = ''] = amount.split('.');
  return BigInt(`${int}${frac.padEnd(decimals, '0').slice(0, decimals)}`).toString();
}

const chainNative: Record<string, string> = {
  ETH: 'native',
  BNB: 'native',
  MATIC: 'native',
  xDAI: 'native',
  XDAI: 'native',
  AVAX: 'native',
  ETC: 'native',
};

const registry = JSON.parse(readFileSync(src, 'utf8')) as any[];
const entries = registry.map((e) => {
  const slug = SERVICE_SLUG[e.service];
  if (!slug) throw new Error(`no slug for service ${e.service}`);
  const address = String(e.addressHex ?? e.address).toLowerCase();
  const chainTokens = tokens[e.chain] ?? {};
  let denomination: unknown;
  if (e.denomination) {
    const d = e.denomination;
    if (chainNative[d.token] && !d.tokenAddress) {
      denomination = { amount: d.amount, raw: toRaw(d.amount, 18), token: 'native' };
    } else {
      const ta = String(d.tokenAddress ?? '').toLowerCase();
      const t = chainTokens[ta];
      if (!t) throw new Error(`token ${d.token} ${ta} on ${e.chain} missing from tokens.json`);
      denomination = { amount: d.amount, raw: toRaw(d.amount, t.decimals), token: { address: ta, symbol: t.symbol, decimals: t.decimals } };
    }
  }
  const selfToken = chainTokens[address];
  const asset = assets[e.chain]?.[address];
  let rawEvents = e.events ?? [];
  let watch: unknown;
  let notes = e.notes as string | undefined;
  const w = WATCHED[slug];
  if (w) {
    const tokensHere = w.tokens[e.chain] ?? [];
    if (!tokensHere.length) throw new Error(`watched ${slug} on ${e.chain} lists no tokens`);
    rawEvents = [{ name: 'Transfer', signature: TRANSFER_SIG, topic0: keccak256(toBytes(TRANSFER_SIG)), indexedArgs: ['from', 'to'] }];
    watch = { kind: 'erc20_counterparty', tokens: tokensHere, counterparty: w.counterparty, sameAddress: w.sameAddress };
    notes =
      `${notes ?? ''} mixwatch: represented as a watched address; events are the ERC-20 Transfer logs of watch.tokens with topic1 or topic2 = this address (into it = bridge_out to ${w.counterparty}, out of it = bridge_in).`.trim();
  }
  let source = e.source as string;
  for (const x of EXTRA_EVENTS) {
    if (x.service !== e.service || !x.label.test(e.label)) continue;
    if (rawEvents.length) throw new Error(`${e.label}: extra events for an entry that has events`);
    rawEvents = x.events.map((ev) => ({ ...ev, topic0: keccak256(toBytes(ev.signature)) }));
    source = `${source} ; events added by mixwatch from ${x.source}`;
    notes = `${notes ?? ''} mixwatch: event ABI verified in ${x.source}.`.trim();
  }
  const events = rawEvents.map((ev: any) => {
    const computed = keccak256(toBytes(ev.signature));
    if (computed !== ev.topic0.toLowerCase()) throw new Error(`topic0 mismatch for ${ev.signature} at ${e.address}`);
    return {
      name: ev.name,
      signature: ev.signature,
      topic0: computed,
      decoder: DECODER_BY_SIGNATURE[slug]?.[ev.signature] ?? null,
      ...(ev.variant ? { variant: ev.variant } : {}),
      ...(Array.isArray(ev.indexedArgs) ? { indexedArgs: ev.indexedArgs } : {}),
      ...(EVENT_PAIRING[ev.signature] && slug === 'hop' ? { pairing: EVENT_PAIRING[ev.signature] } : {}),
    };
  });
  const pairing = category(e.kind) === 'bridge' ? (PAIRING[e.service] ?? PAIRING[slug]) : undefined;
  return {
    service: slug,
    serviceName: e.service,
    category: category(e.kind),
    kind: e.kind,
    chain: e.chain,
    chainId: e.chainId,
    address,
    ...(e.chain === 'tron' ? { addressBase58: e.address } : { addressChecksum: e.address }),
    label: e.label,
    ...(denomination ? { denomination } : {}),
    ...(selfToken ? { token: { address, symbol: selfToken.symbol, decimals: selfToken.decimals } } : {}),
    ...(!selfToken && asset ? { token: { address: asset.token, symbol: asset.symbol, decimals: asset.decimals } } : {}),
    ...(asset?.sharedDecimals !== undefined ? { sharedDecimals: asset.sharedDecimals } : {}),
    ...(pairing ? { pairing } : {}),
    ...(watch ? { watch } : {}),
    events,
    ...(e.deployedBlock !== undefined ? { deployedBlock: e.deployedBlock } : {}),
    confidence: e.confidence,
    source,
    ...(notes ? { notes } : {}),
  };
});
writeFileSync(
  out,
  `${JSON.stringify({ _source: 'Generated by scripts/import-registry.ts from the mixwatch research registry (shared/data/registry.json); every entry keeps its source.', contracts: entries }, null, 1)}\n`,
);
console.log(
  `wrote ${entries.length} contracts, ${entries.reduce((n, e) => n + e.events.filter((v: any) => v.decoder).length, 0)} decodable events -> ${out}`,
);
