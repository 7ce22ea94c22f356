// Per-bridge chain identifiers → our chain names (the `counterparty_chain` column). Each bridge
// numbers chains its own way; a value we cannot name is kept as `<bridge>:<id>` so it is still
// visible and groupable, never silently mapped to the wrong chain.

/** EVM chain ids (Across, cBridge, Synapse, Hop, Multichain, deBridge use these). */
export const EVM_CHAIN_NAMES: Readonly<Record<string, string>> = {
  '1': 'ethereum',
  '10': 'optimism',
  '56': 'bsc',
  '100': 'gnosis',
  '137': 'polygon',
  '250': 'fantom',
  '324': 'zksync',
  '1088': 'metis',
  '1101': 'polygon_zkevm',
  '2020': 'ronin',
  '8453': 'base',
  '42161': 'arbitrum',
  '42170': 'arbitrum_nova',
  '42220': 'celo',
  '43114': 'avalanche',
  '59144': 'linea',
  '81457': 'blast',
  '534352': 'scroll',
  '1666600000': 'harmony',
  '728126428': 'tron',
  // deBridge's own ids for non-EVM / remapped chains (docs.debridge.com supported chains).
  '7565164': 'solana',
  '100000002': 'gnosis',
  // Across' id for Solana (across-protocol/contracts constants).
  '34268394551451': 'solana',
};

/** Wormhole chain ids (wormhole-foundation/wormhole-sdk-ts core/base/src/constants/chains.ts). */
export const WORMHOLE_CHAIN_NAMES: Readonly<Record<string, string>> = {
  '1': 'solana',
  '2': 'ethereum',
  '3': 'terra',
  '4': 'bsc',
  '5': 'polygon',
  '6': 'avalanche',
  '8': 'algorand',
  '10': 'fantom',
  '13': 'klaytn',
  '14': 'celo',
  '15': 'near',
  '16': 'moonbeam',
  '18': 'terra2',
  '19': 'injective',
  '21': 'sui',
  '22': 'aptos',
  '23': 'arbitrum',
  '24': 'optimism',
  '25': 'gnosis',
  '30': 'base',
};

/** LayerZero v1 chain ids (Stargate v1 `Swap.chainId`). */
export const LZ_V1_CHAIN_NAMES: Readonly<Record<string, string>> = {
  '101': 'ethereum',
  '102': 'bsc',
  '106': 'avalanche',
  '109': 'polygon',
  '110': 'arbitrum',
  '111': 'optimism',
  '112': 'fantom',
  '145': 'gnosis',
  '151': 'metis',
  '183': 'linea',
  '184': 'base',
};

/** LayerZero v2 endpoint ids (Stargate v2 `OFTSent.dstEid` / `OFTReceived.srcEid`). */
export const LZ_V2_EID_NAMES: Readonly<Record<string, string>> = {
  '30101': 'ethereum',
  '30102': 'bsc',
  '30106': 'avalanche',
  '30109': 'polygon',
  '30110': 'arbitrum',
  '30111': 'optimism',
  '30112': 'fantom',
  '30145': 'gnosis',
  '30151': 'metis',
  '30168': 'solana',
  '30183': 'linea',
  '30184': 'base',
  '30420': 'tron',
};

/** Circle CCTP domains (developers.circle.com, CCTP supported domains). */
export const CCTP_DOMAIN_NAMES: Readonly<Record<string, string>> = {
  '0': 'ethereum',
  '1': 'avalanche',
  '2': 'optimism',
  '3': 'arbitrum',
  '4': 'noble',
  '5': 'solana',
  '6': 'base',
  '7': 'polygon',
  '8': 'sui',
  '9': 'aptos',
  '10': 'unichain',
};

/** Axelar chain names as they appear in Gateway events (lowercased before lookup). */
export const AXELAR_CHAIN_NAMES: Readonly<Record<string, string>> = {
  ethereum: 'ethereum',
  binance: 'bsc',
  polygon: 'polygon',
  avalanche: 'avalanche',
  arbitrum: 'arbitrum',
  optimism: 'optimism',
  base: 'base',
  fantom: 'fantom',
  celo: 'celo',
  linea: 'linea',
  moonbeam: 'moonbeam',
  osmosis: 'osmosis',
  axelarnet: 'axelar',
};

/** THORChain asset chain prefixes (`BTC.BTC` → BTC) → chain names. */
export const THORCHAIN_CHAIN_NAMES: Readonly<Record<string, string>> = {
  BTC: 'bitcoin',
  ETH: 'ethereum',
  BSC: 'bsc',
  AVAX: 'avalanche',
  BASE: 'base',
  LTC: 'litecoin',
  BCH: 'bitcoincash',
  DOGE: 'dogecoin',
  GAIA: 'cosmos',
  THOR: 'thorchain',
  BNB: 'bnb_beacon',
  TRON: 'tron',
  XRP: 'xrp',
  SOL: 'solana',
};

/**
 * THORChain short asset codes used in compact memos (`=:b:bc1…` means BTC.BTC). From the
 * THORChain memo documentation (dev.thorchain.org, "Memos", shortened asset names).
 */
export const THORCHAIN_SHORT_ASSETS: Readonly<Record<string, string>> = {
  a: 'AVAX.AVAX',
  b: 'BTC.BTC',
  c: 'BCH.BCH',
  n: 'BNB.BNB',
  s: 'BSC.BNB',
  d: 'DOGE.DOGE',
  e: 'ETH.ETH',
  f: 'BASE.ETH',
  g: 'GAIA.ATOM',
  l: 'LTC.LTC',
  r: 'THOR.RUNE',
};

/** Looks `id` up in `table`; unknown ids come back as `<bridge>:<id>`. */
export function counterpartyName(table: Readonly<Record<string, string>>, bridge: string, id: string | number | bigint): string {
  const key = String(id);
  return table[key] ?? `${bridge}:${key}`;
}
