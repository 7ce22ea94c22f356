import { getHeadNumber } from '@mixwatch/chain';
import { FatalError, sleep, withRetry } from '@mixwatch/core';
import type { RoleContext } from '@mixwatch/runtime';
import type { FetchedRange } from './follower.ts';
import { followerFor } from './index.ts';

/** Progress of a backfill, for the progress bar. */
export interface BackfillProgress {
  chain: string;
  from: number;
  to: number;
  /** Last block published. */
  published: number;
  /** Last block the sink made durable. */
  durable: number;
  flows: number;
  deadLetters: number;
  startedAt: number;
  done: boolean;
}

/** Options of {@link runBackfill}. */
export interface BackfillParameters {
  ctx: RoleContext;
  chain: string;
  from: number;
  /** Default: head − confirmations at start. */
  to?: number | undefined;
  /** Ranges fetched ahead while the previous one is published. Default 3. */
  prefetch?: number;
  onProgress?: (p: BackfillProgress) => void;
  signal?: AbortSignal;
}

/**
 * Loads history [from, to] of a chain with the live decoders, under its own cursor
 * `backfill:<chain_id>:<from>-<to>` (resumable: a rerun continues after the last durable block).
 * Fetches up to `prefetch` ranges ahead and publishes them in order; resolves once the sink has
 * made the last checkpoint durable. Safe beside a live `run`: flow ids are deterministic.
 */
export async function runBackfill(parameters: BackfillParameters): Promise<BackfillProgress> {
  const { ctx } = parameters;
  const signal = parameters.signal ?? ctx.common.signal;
  const follower = followerFor(ctx, parameters.chain);
  const head = await withRetry(() => getHeadNumber(follower.rpc), { attempts: 5, signal });
  const { confirmations, chainId } = follower.chain;
  const to = parameters.to ?? head - confirmations;
  if (to > head) throw new FatalError(`backfill --to ${to} is beyond the head of ${parameters.chain} (${head})`);
  if (parameters.from > to) throw new FatalError(`backfill --from ${parameters.from} is after --to ${to}`);
  const cursorKey = `backfill:${chainId}:${parameters.from}-${to}`;
  const existing = await ctx.store.getCursor(cursorKey);
  const start = existing ? existing.block + 1 : parameters.from;
  const progress: BackfillProgress = {
    chain: parameters.chain,
    from: parameters.from,
    to,
    published: start - 1,
    durable: existing?.block ?? parameters.from - 1,
    flows: 0,
    deadLetters: 0,
    startedAt: Date.now(),
    done: false,
  };
  const report = () => parameters.onProgress?.({ ...progress });
  const depth = parameters.prefetch ?? 3;
  const inflight: Array<Promise<FetchedRange>> = [];
  let next = start;
  const launch = () => {
    if (next > to) return;
    const from = next;
    const end = Math.min(to, from + follower.span.span - 1);
    next = end + 1;
    inflight.push(
      withRetry(() => follower.fetchRange(from, end, cursorKey, false), { attempts: Number.POSITIVE_INFINITY, maxDelayMs: 30_000, signal }),
    );
  };
  while (inflight.length < depth && next <= to) launch();
  let lastDurableCheck = 0;
  while (inflight.length > 0) {
    const r = await inflight.shift()!;
    launch();
    while (inflight.length < depth && next <= to) launch();
    await follower.publishRange(r);
    progress.published = r.to;
    progress.flows += r.flows.length;
    progress.deadLetters += r.deadLetters.length;
    if (Date.now() - lastDurableCheck > 500) {
      lastDurableCheck = Date.now();
      progress.durable = (await ctx.store.getCursor(cursorKey))?.block ?? progress.durable;
    }
    report();
  }
  while (!signal.aborted) {
    progress.durable = (await ctx.store.getCursor(cursorKey))?.block ?? progress.durable;
    if (progress.durable >= to) break;
    report();
    await sleep(200, signal);
  }
  progress.done = progress.durable >= to;
  report();
  return progress;
}
