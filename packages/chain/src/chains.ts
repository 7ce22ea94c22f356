/**
 * Per-chain facts as data, with the reason for each choice (STYLE habit 3). Every field
 * can be overridden per chain in the config file.
 */
export interface ChainInfo {
  /** Config key and the `chain` column. */
  name: string;
  chainId: number;
  /** Blocks to wait behind the head before a block's flows are published. */
  confirmations: number;
  /** Blocks of hashes kept to detect reorgs; a reorg deeper than this fails loudly. */
  reorgWindow: number;
  /** Why these two numbers. */
  reason: string;
  /** Initial eth_getLogs span; shrinks when a provider refuses, grows back on success. */
  maxLogRange: number;
  pollIntervalMs: number;
  /** Average block time, seconds: used for lag estimates and ETA. */
  blockTimeSec: number;
  /** Public endpoints; used when neither the config nor MIXWATCH_RPC_<CHAIN> gives any. */
  defaultRpcUrls: string[];
  nativeSymbol: string;
  /** Block explorer base, for links in alerts. */
  explorer: string;
  /** Address form shown to users. */
  addressFormat: 'evm' | 'tron';
}

/** The chains mixwatch knows. Add a chain: add a row here and its contracts to the registry. */
export const CHAINS: readonly ChainInfo[] = [
  {
    name: 'ethereum',
    chainId: 1,
    confirmations: 12,
    reorgWindow: 128,
    reason:
      'PoS: reorgs beyond 1-2 blocks are rare; 12 blocks (~2.4 min) keeps alerts fast; finality is 2 epochs (64 blocks), window 128 covers it twice',
    maxLogRange: 2_000,
    pollIntervalMs: 1_000,
    blockTimeSec: 12,
    defaultRpcUrls: ['https://ethereum-rpc.publicnode.com', 'https://eth.llamarpc.com', 'https://1rpc.io/eth'],
    nativeSymbol: 'ETH',
    explorer: 'https://etherscan.io',
    addressFormat: 'evm',
  },
  {
    name: 'bsc',
    chainId: 56,
    confirmations: 15,
    reorgWindow: 128,
    reason: 'fast finality (BEP-126) finalizes within ~2-3 blocks; 15 blocks (~11 s at 0.75 s blocks) is a safe margin',
    maxLogRange: 1_000,
    pollIntervalMs: 2_000,
    blockTimeSec: 0.75,
    defaultRpcUrls: ['https://bsc-rpc.publicnode.com', 'https://bsc-dataseed.bnbchain.org'],
    nativeSymbol: 'BNB',
    explorer: 'https://bscscan.com',
    addressFormat: 'evm',
  },
  {
    name: 'polygon',
    chainId: 137,
    confirmations: 32,
    reorgWindow: 256,
    reason: 'Bor had reorgs of dozens of blocks before milestones; 32 blocks (~64 s) for alerts, window 256 for the historic worst case',
    maxLogRange: 1_000,
    pollIntervalMs: 2_000,
    blockTimeSec: 2,
    defaultRpcUrls: ['https://polygon-bor-rpc.publicnode.com', 'https://polygon-rpc.com'],
    nativeSymbol: 'POL',
    explorer: 'https://polygonscan.com',
    addressFormat: 'evm',
  },
  {
    name: 'arbitrum',
    chainId: 42161,
    confirmations: 20,
    reorgWindow: 512,
    reason:
      'sequencer soft-confirms and does not reorg in practice; 20 blocks (~5 s) guards against sequencer hiccups; L1 finality ~ 13 min is beyond any alert latency budget',
    maxLogRange: 5_000,
    pollIntervalMs: 1_000,
    blockTimeSec: 0.25,
    defaultRpcUrls: ['https://arbitrum-one-rpc.publicnode.com', 'https://arb1.arbitrum.io/rpc'],
    nativeSymbol: 'ETH',
    explorer: 'https://arbiscan.io',
    addressFormat: 'evm',
  },
  {
    name: 'optimism',
    chainId: 10,
    confirmations: 10,
    reorgWindow: 256,
    reason: 'OP-stack unsafe head reorgs are rare and shallow; 10 blocks (~20 s) before publishing',
    maxLogRange: 2_000,
    pollIntervalMs: 2_000,
    blockTimeSec: 2,
    defaultRpcUrls: ['https://optimism-rpc.publicnode.com', 'https://mainnet.optimism.io'],
    nativeSymbol: 'ETH',
    explorer: 'https://optimistic.etherscan.io',
    addressFormat: 'evm',
  },
  {
    name: 'avalanche',
    chainId: 43114,
    confirmations: 1,
    reorgWindow: 32,
    reason: 'Snowman consensus gives single-block finality; 1 block guards against RPC nodes serving a not-yet-accepted block',
    maxLogRange: 2_000,
    pollIntervalMs: 2_000,
    blockTimeSec: 2,
    defaultRpcUrls: ['https://avalanche-c-chain-rpc.publicnode.com', 'https://api.avax.network/ext/bc/C/rpc'],
    nativeSymbol: 'AVAX',
    explorer: 'https://snowtrace.io',
    addressFormat: 'evm',
  },
  {
    name: 'gnosis',
    chainId: 100,
    confirmations: 12,
    reorgWindow: 128,
    reason: 'Gnosis beacon chain (5 s slots) finalizes in ~2 epochs of 16 slots; 12 blocks (~1 min) for alerts',
    maxLogRange: 2_000,
    pollIntervalMs: 3_000,
    blockTimeSec: 5,
    defaultRpcUrls: ['https://gnosis-rpc.publicnode.com', 'https://rpc.gnosischain.com'],
    nativeSymbol: 'XDAI',
    explorer: 'https://gnosisscan.io',
    addressFormat: 'evm',
  },
  {
    name: 'base',
    chainId: 8453,
    confirmations: 10,
    reorgWindow: 256,
    reason: 'OP-stack like optimism: unsafe head reorgs are rare and shallow',
    maxLogRange: 2_000,
    pollIntervalMs: 2_000,
    blockTimeSec: 2,
    defaultRpcUrls: ['https://base-rpc.publicnode.com', 'https://mainnet.base.org'],
    nativeSymbol: 'ETH',
    explorer: 'https://basescan.org',
    addressFormat: 'evm',
  },
  {
    name: 'tron',
    chainId: 728126428,
    confirmations: 19,
    reorgWindow: 64,
    reason: 'DPoS with 27 super representatives: a block is solidified after 19 confirmations (2/3 of SRs)',
    maxLogRange: 100,
    pollIntervalMs: 3_000,
    blockTimeSec: 3,
    defaultRpcUrls: ['https://api.trongrid.io/jsonrpc'],
    nativeSymbol: 'TRX',
    explorer: 'https://tronscan.org/#',
    addressFormat: 'tron',
  },
];

/** Looks a chain up by config name or chain id. */
export function getChain(nameOrId: string | number): ChainInfo | undefined {
  return CHAINS.find((c) => c.name === nameOrId || c.chainId === Number(nameOrId));
}
