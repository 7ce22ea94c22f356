import { type Flow, type Logger, sleep } from '@mixwatch/core';
import type { Store } from '@mixwatch/store';
import type { Detector } from './engine.ts';
import type { DetectOutput, Taint } from './types.ts';

const DAY = 86_400;

/**
 * Writes what the detector derived: `mixwatch.taint`, `mixwatch.taint_flows`,
 * `mixwatch.bridge_pairs` (one `INSERT … FORMAT JSONEachRow` each). Every row has a deterministic
 * key in a ReplacingMergeTree, so writing the same output twice changes nothing.
 */
export async function writeOutput(store: Store, out: Omit<DetectOutput, 'alerts'>): Promise<void> {
  await Promise.all([
    store.insert(
      'taint',
      out.taint.map((t) => ({ ...t })),
    ),
    store.insert(
      'taint_flows',
      out.taintFlows.map((t) => ({ ...t })),
    ),
    store.insert(
      'bridge_pairs',
      out.pairs.map((p) => ({ ...p })),
    ),
  ]);
}

/**
 * Deletes the rows derived from flows of orphaned blocks (reorg retraction of `chainId` above
 * `afterBlock`), however old: `DELETE FROM mixwatch.taint WHERE flow_chain_id = … AND block_number > …`,
 * and the same on `taint_flows` and on either leg of `bridge_pairs`.
 */
export async function deleteDerived(store: Store, chainId: number, afterBlock: number): Promise<void> {
  const p = { c: chainId, n: afterBlock };
  await store.command('DELETE FROM mixwatch.taint WHERE flow_chain_id = {c:UInt32} AND block_number > {n:UInt64}', p);
  await store.command('DELETE FROM mixwatch.taint_flows WHERE chain_id = {c:UInt32} AND block_number > {n:UInt64}', p);
  await store.command(
    'DELETE FROM mixwatch.bridge_pairs WHERE (out_chain_id = {c:UInt32} AND out_block > {n:UInt64}) OR (in_chain_id = {c:UInt32} AND in_block > {n:UInt64})',
    p,
  );
}

/** A `mixwatch.flows` row (JSONEachRow) back into a {@link Flow}. */
export function rowToFlow(r: Record<string, unknown>): Flow {
  let extra: Record<string, unknown> = {};
  try {
    extra = JSON.parse(String(r.extra ?? '{}'));
  } catch {
    extra = {};
  }
  return {
    flow_id: String(r.flow_id),
    chain: String(r.chain),
    chain_id: Number(r.chain_id),
    block_number: Number(r.block_number),
    block_time: Number(r.block_time_s),
    block_hash: String(r.block_hash),
    tx_hash: String(r.tx_hash),
    log_index: Number(r.log_index),
    sub_index: Number(r.sub_index),
    contract: String(r.contract),
    event: String(r.event),
    service: String(r.service),
    category: String(r.category) as Flow['category'],
    action: String(r.action) as Flow['action'],
    from_address: String(r.from_address),
    to_address: String(r.to_address),
    tx_from: String(r.tx_from),
    token: String(r.token),
    token_symbol: String(r.token_symbol),
    amount: String(r.amount),
    decimals: Number(r.decimals),
    counterparty_chain: String(r.counterparty_chain),
    bridge_ref: String(r.bridge_ref),
    extra,
  };
}

/** A `mixwatch.taint` (or `taint_current`: no flow columns) row back into a {@link Taint}; `t` = block time, unix s. */
function rowToTaint(r: Record<string, unknown>): Taint {
  return {
    address: String(r.address),
    chain: String(r.chain),
    score: Number(r.score),
    hops: Number(r.hops),
    origin: String(r.origin),
    origin_label: String(r.origin_label),
    path: (r.path as string[]) ?? [],
    via: String(r.via) as Taint['via'],
    heuristic: String(r.heuristic ?? ''),
    flow_id: String(r.flow_id ?? ''),
    tx_hash: String(r.tx_hash ?? ''),
    block_time: Number(r.t),
    flow_chain_id: Number(r.flow_chain_id ?? 0),
    block_number: Number(r.block_number ?? 0),
  };
}

/**
 * Every stored taint fact of `addresses` (`mixwatch.taint FINAL`): a replica sharing the partitions
 * reads, before a batch, what other replicas found about the addresses in it. The caller keeps the
 * best one per address ({@link Detector.loadTaint}).
 */
export async function storedTaintOf(store: Store, addresses: readonly string[]): Promise<Taint[]> {
  const out: Taint[] = [];
  for (const a of chunks(addresses)) {
    const rows = await store.query<Record<string, unknown>>(
      `SELECT address, chain, score, hops, origin, origin_label, path, via, heuristic, flow_id, tx_hash,
              toUnixTimestamp(block_time) AS t, flow_chain_id, block_number
       FROM mixwatch.taint FINAL WHERE address IN {a:Array(String)}`,
      { a },
    );
    for (const r of rows) out.push(rowToTaint(r));
  }
  return out;
}

/**
 * Lists of ids cut into pieces of `size`: a ClickHouse server receives query parameters in the
 * URL, which it limits (`http_max_uri_size`, 1 MiB by default).
 */
function chunks<T>(items: readonly T[], size = 2_000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Bridge arrivals on chains other replicas handle (`mixwatch.flows FINAL`), not paired with another
 * departure than `departures` (`mixwatch.bridge_pairs`; pairing one again after a crash gives the
 * same rows and alert ids), that may pair with `departures`: the same bridge_ref, or, for
 * departures without one, ref-less arrivals of the same services from the earliest departure to
 * `pairWindowSec` after the latest.
 */
export async function foreignArrivals(
  store: Store,
  departures: readonly Flow[],
  own: ReadonlySet<number>,
  pairWindowSec: number,
): Promise<Flow[]> {
  if (departures.length > 500) {
    const out: Flow[] = [];
    for (const part of chunks(departures, 500)) out.push(...(await foreignArrivals(store, part, own, pairWindowSec)));
    return out;
  }
  if (departures.length === 0) return [];
  const refs = [...new Set(departures.filter((d) => d.bridge_ref).map((d) => `${d.service}|${d.bridge_ref}`))];
  const plain = departures.filter((d) => !d.bridge_ref);
  const services = [...new Set(plain.map((d) => d.service))];
  const from = plain.length ? Math.min(...plain.map((d) => d.block_time)) : 0;
  const to = plain.length ? Math.max(...plain.map((d) => d.block_time)) + pairWindowSec : 0;
  const rows = await store.query<Record<string, unknown>>(
    `SELECT *, toUnixTimestamp(block_time) AS block_time_s FROM mixwatch.flows FINAL
     WHERE action = 'bridge_in' AND chain_id NOT IN {own:Array(UInt32)}
       AND ((bridge_ref != '' AND concat(service, '|', bridge_ref) IN {refs:Array(String)})
         OR (bridge_ref = '' AND service IN {services:Array(String)}
             AND block_time >= toDateTime({from:UInt32}) AND block_time <= toDateTime({to:UInt32})))
       AND flow_id NOT IN (SELECT in_flow_id FROM mixwatch.bridge_pairs WHERE out_flow_id NOT IN {mine:Array(String)})
     ORDER BY block_time, chain_id, block_number, log_index, sub_index`,
    { own: [...own], refs, services, from, to, mine: departures.map((d) => d.flow_id) },
  );
  return rows.map(rowToFlow);
}

/** Which of `ids` are paired in `mixwatch.bridge_pairs`, as arrivals (`leg` in) or departures (out). */
export async function pairedLegs(store: Store, leg: 'in' | 'out', ids: readonly string[]): Promise<string[]> {
  const column = leg === 'in' ? 'in_flow_id' : 'out_flow_id';
  const out: string[] = [];
  for (const part of chunks(ids)) {
    const rows = await store.query<{ id: string }>(
      `SELECT DISTINCT ${column} AS id FROM mixwatch.bridge_pairs WHERE ${column} IN {ids:Array(String)}`,
      { ids: part },
    );
    for (const r of rows) out.push(String(r.id));
  }
  return out;
}

/** Per service and day: flows and how many of them touched tainted addresses ({@link serviceDayCounts}). */
export interface ServiceDay {
  service: string;
  category: string;
  day: number;
  total: number;
  tainted: number;
}

/**
 * Flows of mixers, bridges, swaps and exchanges per service and day (unix s / 86400) with block
 * time in [`since`, `until`), and how many of them touched tainted addresses
 * (`mixwatch.taint_flows`), for `service_consistency`. `chains`: only those chain ids, or with
 * `exclude` all but those.
 */
export async function serviceDayCounts(
  store: Store,
  parameters: { since: number; until?: number; chains?: { ids: readonly number[]; exclude: boolean } },
): Promise<ServiceDay[]> {
  const { since, until, chains } = parameters;
  const filter = [
    'block_time >= toDateTime({since:UInt32})',
    until === undefined ? '' : 'block_time < toDateTime({until:UInt32})',
    chains ? `chain_id ${chains.exclude ? 'NOT IN' : 'IN'} {chains:Array(UInt32)}` : '',
  ]
    .filter(Boolean)
    .join(' AND ');
  const rows = await store.query<Record<string, unknown>>(
    `SELECT f.service AS service, f.cat AS category, f.day AS day, f.n AS total, ifNull(t.n, 0) AS tainted
     FROM (SELECT service, any(category) AS cat, intDiv(toUnixTimestamp(block_time), 86400) AS day, count() AS n
           FROM mixwatch.flows FINAL
           WHERE category IN ('mixer', 'bridge', 'swap', 'exchange') AND ${filter}
           GROUP BY service, day) AS f
     LEFT JOIN (SELECT service, intDiv(toUnixTimestamp(block_time), 86400) AS day, uniqExact(flow_id) AS n
                FROM mixwatch.taint_flows FINAL
                WHERE ${filter}
                GROUP BY service, day) AS t
       ON t.service = f.service AND t.day = f.day`,
    { since, ...(until === undefined ? {} : { until }), ...(chains ? { chains: [...chains.ids] } : {}) },
  );
  return rows.map((r) => ({
    service: String(r.service),
    category: String(r.category),
    day: Number(r.day),
    total: Number(r.total),
    tainted: Number(r.tainted),
  }));
}

/** What {@link loadState} restored. */
export interface LoadedState {
  taint: number;
  replayed: number;
  /** Flows above the detect cursor found in the store (handled as new: their alerts are published). */
  caughtUp: number;
  /** Latest block time in the store (unix s), 0 when empty. */
  latest: number;
}

/**
 * Restores the detector at start, so state survives restarts and months of dormancy:
 * 1. taint: `SELECT … FROM mixwatch.taint_current` (every address ever tainted, whatever its age);
 * 2. balances of tainted holders and service day counts older than the replay window, from
 *    `mixwatch.taint_flows` and `mixwatch.flows`;
 * 3. windows (pool anonymity sets, pending bridge legs, bursts, peel runs): the flows of the
 *    last `mixer.anonymityWindowSec` (mixers and bridges) and of the recent window (first-seen
 *    addresses, peel runs: ≥ 2 days) for everything else are replayed from `mixwatch.flows FINAL` in block-time order. `onFlow` is called for the
 *    flows above the chain's detect cursor (written by the sink, never seen by detect: a crash
 *    between the two), whose output must be published; the rest only rebuild state.
 */
export async function loadState(
  store: Store,
  detector: Detector,
  cursors: Map<number, number>,
  onFlow: (flow: Flow, out: DetectOutput) => Promise<void>,
  /** Only these chains' flows and service counts (a replica sharing the partitions); all when absent. */
  chains?: ReadonlySet<number>,
): Promise<LoadedState> {
  const only = chains ? [...chains] : [];
  const chainFilter = chains ? 'AND chain_id IN {only:Array(UInt32)}' : '';
  const taintRows = await store.query<Record<string, unknown>>(
    'SELECT address, chain, score, hops, origin, origin_label, path, via, toUnixTimestamp(first_tainted) AS t FROM mixwatch.taint_current',
  );
  detector.loadTaint(taintRows.map(rowToTaint));
  const [{ latest } = { latest: 0 }] = await store.query<{ latest: number }>(
    'SELECT toUnixTimestamp(max(block_time)) AS latest FROM mixwatch.flows',
  );
  const latestS = Number(latest);
  if (!latestS) return { taint: taintRows.length, replayed: 0, caughtUp: 0, latest: 0 };
  const longFrom = latestS - detector.config.mixer.anonymityWindowSec;
  const shortFrom = latestS - detector.recentWindowSec();
  const replayFrom = Math.min(longFrom, shortFrom);

  const symbols = [...new Set([...detector.config.rules.freezableExposure.symbols])];
  const balances = await store.query<Record<string, unknown>>(
    `SELECT chain, token, address,
            toString(sumIf(amount, role = 'recipient')) AS inflow, toString(sumIf(amount, role = 'sender')) AS outflow
     FROM mixwatch.taint_flows FINAL
     WHERE token_symbol IN {symbols:Array(String)} AND block_time < toDateTime({from:UInt32}) ${chainFilter}
     GROUP BY chain, token, address`,
    { symbols, from: replayFrom, only },
  );
  for (const b of balances) {
    const v = BigInt(String(b.inflow)) - BigInt(String(b.outflow));
    if (v > 0n) detector.loadBalance(String(b.chain), String(b.token), String(b.address), v);
  }
  const windowDays = detector.config.rules.serviceConsistency.windowDays;
  const days = await serviceDayCounts(store, {
    since: latestS - (windowDays + 1) * DAY,
    until: replayFrom,
    ...(chains ? { chains: { ids: only, exclude: false } } : {}),
  });
  for (const d of days) detector.loadServiceDay(d.service, d.category, d.day, d.total, d.tainted);

  let replayed = 0;
  let caughtUp = 0;
  const pageSize = 50_000;
  let offset = 0;
  while (true) {
    const rows = await store.query<Record<string, unknown>>(
      `SELECT *, toUnixTimestamp(block_time) AS block_time_s FROM mixwatch.flows FINAL
       WHERE block_time >= toDateTime({long:UInt32})
         AND (category IN ('mixer', 'bridge') OR block_time >= toDateTime({short:UInt32})) ${chainFilter}
       ORDER BY block_time, chain_id, block_number, log_index, sub_index
       LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
      { long: longFrom, short: shortFrom, limit: pageSize, offset, only },
    );
    for (const r of rows) {
      const flow = rowToFlow(r);
      const out = detector.process({ type: 'flow', flow });
      replayed++;
      if (flow.block_number > (cursors.get(flow.chain_id) ?? -1)) {
        caughtUp++;
        await onFlow(flow, out);
      }
    }
    if (rows.length < pageSize) break;
    offset += pageSize;
  }
  return { taint: taintRows.length, replayed, caughtUp, latest: latestS };
}

/** Options of {@link awaitStoredFlows}. */
export interface AwaitStoredFlowsParameters {
  store: Store;
  /** Detect cursors (chain id → last checkpoint block detect handled). */
  cursors: Map<number, number>;
  logger: Logger;
  signal?: AbortSignal;
  /**
   * Give up when the store's cursor has not moved for this long, ms. Default 45 000: longer than
   * the default Kafka session timeout (30 s), so a sink restarted together with detect has time
   * to rejoin its group.
   */
  stallMs?: number;
  /** Give up after this long in any case, ms. Default 180 000. */
  maxMs?: number;
  /** Poll interval, ms. Default 250. */
  everyMs?: number;
}

/** Per chain: where detect was, where the store's flows were when the wait ended, and why it ended. */
export type StoredFlowsWait = Array<{
  chainId: number;
  detect: number;
  store: number;
  outcome: 'reached' | 'no_sink_cursor' | 'stalled' | 'timeout' | 'stopped';
}>;

/**
 * Before {@link loadState}: waits until the store holds the flows detect already handled, i.e.
 * the sink's cursor `live:<chain id>` (`SELECT … FROM mixwatch.cursors FINAL`) is at or beyond
 * the detect cursor of every chain. With an external bus the two roles commit their offsets
 * independently: after a crash the sink may be behind detect, and the flows in between (handled
 * and committed by detect, not yet in ClickHouse) would be missing from the replayed windows
 * (anonymity sets, bursts, pending bridge legs) — the next alerts could then differ, e.g. a second
 * `denomination_burst` for lots of a burst already alerted (seen when detect's store held no flows
 * at all). The wait ends early when the store's cursor stops moving for `stallMs` (no sink is
 * running) or when there is no sink cursor at all (a store no sink writes to); each early end is
 * logged. The detect role runs it only when {@link storeBehind} says so, without blocking its start.
 */
export async function awaitStoredFlows(parameters: AwaitStoredFlowsParameters): Promise<StoredFlowsWait> {
  const { store, cursors, logger } = parameters;
  const stallMs = parameters.stallMs ?? 45_000;
  const maxMs = parameters.maxMs ?? 180_000;
  const everyMs = parameters.everyMs ?? 250;
  const started = Date.now();
  const out: StoredFlowsWait = [];
  for (const [chainId, detect] of cursors) {
    let last = -1;
    let movedAt = Date.now();
    for (;;) {
      const live = await store.getCursor(`live:${chainId}`);
      const block = live?.block ?? -1;
      if (!live || block >= detect) {
        out.push({ chainId, detect, store: block, outcome: live ? 'reached' : 'no_sink_cursor' });
        if (!live)
          logger.warn(
            { chain_id: chainId, detect_cursor: detect },
            'detect: the store has no sink cursor for this chain, so the windows are rebuilt only from the flows it holds (does the sink write to another store?)',
          );
        break;
      }
      if (block !== last) {
        last = block;
        movedAt = Date.now();
      }
      if (parameters.signal?.aborted) {
        out.push({ chainId, detect, store: block, outcome: 'stopped' });
        break;
      }
      const stalled = Date.now() - movedAt > stallMs;
      if (stalled || Date.now() - started > maxMs) {
        out.push({ chainId, detect, store: block, outcome: stalled ? 'stalled' : 'timeout' });
        logger.warn(
          { chain_id: chainId, detect_cursor: detect, store_cursor: block },
          'detect: the store is behind the flows detect already handled; windows restored without them',
        );
        break;
      }
      await sleep(everyMs, parameters.signal).catch(() => {});
    }
  }
  return out;
}

/** True when some chain's sink cursor (`live:<chain id>`) exists and is below detect's cursor. */
export async function storeBehind(store: Store, cursors: Map<number, number>): Promise<boolean> {
  for (const [chainId, detect] of cursors) {
    const live = await store.getCursor(`live:${chainId}`);
    if (live && live.block < detect) return true;
  }
  return false;
}
