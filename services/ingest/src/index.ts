import { createRpc } from '@mixwatch/chain';
import { buildChainIndex } from '@mixwatch/registry';
import type { RoleContext, RoleHandle } from '@mixwatch/runtime';
import { addressFormatter } from './address.ts';
import { createFollower, type Follower } from './follower.ts';
import { enabledChains } from './resolve.ts';
import { createWatchlist } from './watchlist.ts';

export { type BackfillParameters, type BackfillProgress, runBackfill } from './backfill.ts';
export { decodeLogs, normalizeLog } from './decode.ts';
export { createFollower, type Follower, type FollowerStatus, MAX_LOG_READS, type RangeResult, retryDelayMs } from './follower.ts';
export { enabledChains, resolveChain } from './resolve.ts';

/** Builds the follower (RPC client, dispatch table) of one configured chain. */
export function followerFor(ctx: RoleContext, name: string) {
  const entry = enabledChains(ctx.config).find((c) => c.name === name);
  if (!entry) throw new Error(`chain ${name} is not configured or not enabled`);
  const { chain, cfg } = entry;
  const rpc = createRpc({
    common: ctx.common,
    chain: chain.name,
    urls: chain.rpcUrls,
    concurrency: cfg.rpcConcurrency,
    requestsPerSecond: cfg.rpcRequestsPerSecond,
    timeoutMs: cfg.rpcTimeoutMs,
    batchSize: cfg.rpcBatchSize,
  });
  const index = buildChainIndex({ chain: chain.name, services: cfg.services });
  return createFollower({
    common: ctx.common,
    bus: ctx.bus,
    store: ctx.store,
    chain,
    rpc,
    index,
    formatAddress: addressFormatter(chain.addressFormat),
    watchlist: createWatchlist({ common: ctx.common, store: ctx.store, format: chain.addressFormat }),
    stablecoinScope: cfg.stablecoinScope,
    nativeTransfers: cfg.nativeTransfers,
    logReads: cfg.logReads,
  });
}

/**
 * The ingest role: one follower per enabled chain, each polling `eth_getLogs` over its durable
 * cursor. Ready while no chain is halted (deep reorg, wrong chain id).
 */
export async function startIngest(ctx: RoleContext): Promise<RoleHandle> {
  const controller = new AbortController();
  const stopAll = () => controller.abort();
  ctx.common.signal.addEventListener('abort', stopAll, { once: true });
  const followers: Array<{ name: string; follower: Follower; done: Promise<void> }> = [];
  for (const { name } of enabledChains(ctx.config)) {
    const follower = followerFor(ctx, name);
    const index = follower;
    followers.push({ name, follower: index, done: follower.run(controller.signal) });
    ctx.common.logger.info({ chain: name }, 'ingest started');
  }
  return {
    name: 'ingest',
    health() {
      const halted = followers.filter((f) => f.follower.status.halted);
      if (halted.length) return { ready: false, detail: halted.map((f) => `${f.name}: ${f.follower.status.halted}`).join('; ') };
      const failing = followers.filter((f) => f.follower.status.failures >= 5);
      if (failing.length) return { ready: false, detail: failing.map((f) => `${f.name}: ${f.follower.status.lastError}`).join('; ') };
      return { ready: true };
    },
    async stop() {
      controller.abort();
      await Promise.all(followers.map((f) => f.done));
    },
  };
}
