import { CHAINS, type ChainInfo } from '@mixwatch/chain';
import type { ChainConfig, Config } from '@mixwatch/config';
import { ConfigError } from '@mixwatch/core';
import type { ResolvedChain } from './follower.ts';

/**
 * Merges a chain's config over the built-in chain table. A chain missing from the table needs
 * `chainId` and `rpc` in the config; it gets conservative defaults (64 confirmations).
 */
export function resolveChain(name: string, cfg: ChainConfig): ResolvedChain & { rpcUrls: string[] } {
  const base: ChainInfo | undefined = CHAINS.find((c) => c.name === name);
  if (!base && cfg.chainId === undefined) {
    throw new ConfigError(
      `config key chains.${name}: unknown chain; give chainId and rpc (known: ${CHAINS.map((c) => c.name).join(', ')})`,
    );
  }
  if (base && cfg.chainId !== undefined && cfg.chainId !== base.chainId) {
    throw new ConfigError(`config key chains.${name}.chainId: ${name} is chain id ${base.chainId}, not ${cfg.chainId}`);
  }
  const info: ChainInfo = base ?? {
    name,
    chainId: cfg.chainId!,
    confirmations: 64,
    reorgWindow: 256,
    reason: 'unknown chain: conservative defaults',
    maxLogRange: 1_000,
    pollIntervalMs: 5_000,
    blockTimeSec: 5,
    defaultRpcUrls: [],
    nativeSymbol: 'ETH',
    explorer: '',
    addressFormat: 'evm',
  };
  const rpcUrls = cfg.rpc ?? info.defaultRpcUrls;
  if (rpcUrls.length === 0)
    throw new ConfigError(`config key chains.${name}.rpc: no RPC URL (set it or MIXWATCH_RPC_${name.toUpperCase()})`);
  return {
    ...info,
    confirmations: cfg.confirmations ?? info.confirmations,
    reorgWindow: cfg.reorgWindow ?? info.reorgWindow,
    maxLogRange: cfg.maxLogRange ?? info.maxLogRange,
    pollIntervalMs: cfg.pollIntervalMs ?? info.pollIntervalMs,
    startBlock: cfg.startBlock,
    rpcUrls,
  };
}

/** The enabled chains of a config, resolved. */
export function enabledChains(config: Config) {
  return Object.entries(config.chains)
    .filter(([, c]) => c.enabled)
    .map(([name, c]) => ({ name, cfg: c, chain: resolveChain(name, c) }));
}
