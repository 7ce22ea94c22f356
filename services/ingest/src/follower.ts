import { type Bus, TOPICS } from '@mixwatch/bus';
import {
  type BlockHeader,
  type ChainInfo,
  type GetLogsFilter,
  getBlockHeader,
  getBlockWithTransactions,
  getChainId,
  getHeadNumber,
  getLogsAdaptive,
  getTransaction,
  type Rpc,
  type RpcLog,
  type SpanState,
} from '@mixwatch/chain';
import {
  type BlockRef,
  type Common,
  type DeadLetter,
  DeepReorgError,
  describeError,
  FatalError,
  type Flow,
  type FlowMessage,
  flowId,
  isRetryable,
  RetryableError,
  sleep,
} from '@mixwatch/core';
import { addressTopic, type ChainIndex, type DecodeChain, type RawLog, type TxInfo } from '@mixwatch/registry';
import type { Store } from '@mixwatch/store';
import { decodeLogs, hexQuantity, logDeadLetter, normalizeLog, quantity, routesByAddress } from './decode.ts';
import type { Watchlist } from './watchlist.ts';

/** True for a stablecoin `Transfer` log whose sender and recipient are both unwatched. */
function isUnwatchedStableTransfer(l: RpcLog, stable: Set<string>, watched: Set<string>): boolean {
  if (!l || typeof l.address !== 'string' || !stable.has(l.address.toLowerCase())) return false;
  if (!Array.isArray(l.topics) || l.topics[0] !== TRANSFER_TOPIC || l.topics.length !== 3) return false;
  const from = `0x${String(l.topics[1]).slice(26).toLowerCase()}`;
  const to = `0x${String(l.topics[2]).slice(26).toLowerCase()}`;
  return !watched.has(from) && !watched.has(to);
}

/** From this many needed transactions in one block, read the whole block instead of each transaction. */
const BLOCK_FETCH_THRESHOLD = 3;

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/**
 * Wait before retrying after the `failures`-th consecutive failure without progress: the poll
 * interval doubled per failure (from the first), capped at 30 s, with half of it jittered so
 * that followers of several chains behind one provider do not retry in step.
 */
export function retryDelayMs(pollIntervalMs: number, failures: number): number {
  const d = Math.min(30_000, pollIntervalMs * 2 ** Math.min(Math.max(0, failures - 1), 16));
  return d / 2 + (Math.random() * d) / 2;
}

/** A chain with config overrides applied. */
export interface ResolvedChain extends ChainInfo {
  startBlock: number | undefined;
}

/** Options of {@link createFollower}. */
export interface FollowerParameters {
  common: Common;
  bus: Bus;
  store: Store;
  /** Watched addresses (labels + taint): scope of stablecoin transfers and native transfers. */
  watchlist?: Watchlist | undefined;
  /** `all` stablecoin transfers, or only those whose from/to is watched (topic-filtered). Default `all`. */
  stablecoinScope?: 'all' | 'watched';
  /** Native-coin transfers sent by watched addresses: read full blocks in `live` ranges, `always`, or `off`. Default `live`. */
  nativeTransfers?: 'live' | 'always' | 'off';
  chain: ResolvedChain;
  rpc: Rpc;
  index: ChainIndex;
  /** Address presentation for this chain (TRON → base58). */
  formatAddress: (hex: string) => string;
  /**
   * `eth_getLogs` reads per range (config `chains.<name>.logReads`): 2 = read until two answers
   * agree (see {@link MAX_LOG_READS}), 1 = trust one answer. Default 2.
   */
  logReads?: number;
}

/**
 * Most `eth_getLogs` reads of one range when `logReads` is 2: if no two of them agree, the range
 * fails with a RetryableError and is read again on the next attempt (never accepted as is).
 */
export const MAX_LOG_READS = 4;

/** Identity of a log for the double read: (transactionHash, logIndex). */
function logId(l: RpcLog): string {
  return `${String(l?.transactionHash).toLowerCase()}:${String(l?.logIndex).toLowerCase()}`;
}

/** The eth_getLogs filters of one range and the watchlist they were built from (scope `watched`). */
interface RangeQuery {
  fs: Array<GetLogsFilter & { base?: boolean }>;
  watchedNow: Set<string> | undefined;
}

/** What one range produced. */
export interface RangeResult {
  from: number;
  to: number;
  flows: number;
  deadLetters: number;
  /** Hash and time of `to`. */
  last: BlockHeader;
}

/** A range fetched and decoded, not yet published. */
export interface FetchedRange {
  from: number;
  to: number;
  flows: Flow[];
  deadLetters: DeadLetter[];
  checkpoint: Extract<FlowMessage, { type: 'checkpoint' }>;
  last: BlockHeader;
  /** Header of `from` (fetched when `verify`): its parent hash links the range to the cursor. */
  first: BlockHeader | undefined;
  /** Raw logs returned by the node. */
  logs: number;
}

/**
 * Ranges fetched at once during a catch-up: the next range's RPC round trips run while the
 * current one is decoded and published. Each is linked to the cursor (its first block's parent
 * hash) just before it is published, so a reorg meanwhile is caught as in one-at-a-time mode.
 * Two keeps one range of logs in memory besides the one being published.
 */
export const PREFETCH_RANGES = 2;

/** The state a follower exposes to health checks and heartbeats. */
export interface FollowerStatus {
  head: number;
  cursor: number;
  cursorTime: number;
  failures: number;
  lastError: string;
  /** Set when the chain stopped itself (deep reorg, wrong chain id): needs an operator. */
  halted: string | undefined;
  waiting: string | undefined;
}

/**
 * Follows one chain: polls the head, publishes confirmed blocks' flows then a checkpoint,
 * detects reorgs by parent-hash mismatch against the window of known hashes (walking back to
 * the common ancestor and publishing a retraction), and heartbeats every poll. The cursor it
 * starts from is the one the sink made durable, so a crash anywhere republishes at most the
 * blocks after it — harmless, since flow ids are deterministic.
 */
export function createFollower(parameters: FollowerParameters) {
  const { common, bus, store, chain, rpc, index, formatAddress } = parameters;
  const log = common.logger.child({ chain: chain.name });
  const key = String(chain.chainId);
  const decodeChain: DecodeChain = {
    name: chain.name,
    chainId: chain.chainId,
    nativeSymbol: chain.nativeSymbol,
    addressFormat: chain.addressFormat,
  };
  const span: SpanState = { span: chain.maxLogRange, max: chain.maxLogRange };
  const logReads = parameters.logReads ?? 2;
  const scope = parameters.stablecoinScope ?? 'all';
  const nativeMode = parameters.nativeTransfers ?? 'live';
  // Stablecoin Transfer routes: fetched whole (`all`) or only for watched senders/recipients.
  const stableTransfer = [...index.routes.entries()].filter(([, r]) => r.contract.category === 'stablecoin' && r.event.name === 'Transfer');
  const stableTopic0s = new Set(stableTransfer.map(([, r]) => r.event.topic0));
  const baseAddressSet = new Set(index.addresses);
  const baseTopics = [
    ...new Set(
      [...index.routes.entries()]
        .filter(
          ([k, r]) =>
            baseAddressSet.has(k.slice(0, 42)) &&
            !(scope === 'watched' && r.contract.category === 'stablecoin' && r.event.name === 'Transfer'),
        )
        .map(([, r]) => r.event.topic0),
    ),
  ];
  const stableAddresses = [...new Set(stableTransfer.map(([, r]) => r.contract.address))];
  const stableAddressSet = new Set(stableAddresses);
  /** The eth_getLogs filters of one range: the watched contracts, the registry's topic filters, watched stablecoin transfers. */
  async function filters(): Promise<Array<GetLogsFilter & { base?: boolean }>> {
    const out: Array<GetLogsFilter & { base?: boolean }> = [];
    if (index.addresses.length && baseTopics.length) out.push({ address: index.addresses, topics: [baseTopics], base: true });
    for (const f of index.topicFilters ?? []) out.push({ address: f.address, topics: f.topics.map((t) => t) });
    if (scope === 'watched' && stableAddresses.length && parameters.watchlist) {
      const watched = [...(await parameters.watchlist.get())].map(addressTopic);
      for (let i = 0; i < watched.length; i += 500) {
        const chunk = watched.slice(i, i + 500);
        out.push(
          { address: stableAddresses, topics: [[...stableTopic0s], chunk] },
          { address: stableAddresses, topics: [[...stableTopic0s], null, chunk] },
        );
      }
    }
    return out;
  }
  // address → topic0s whose decoder needs the transaction, from decodeLogs' dispatch table (two
  // short lookups per log and no key string; Sets, not each route's decoder object, whose shapes
  // differ per decoder and made the lookup slow).
  const needsTx = new Map<string, Set<string>>();
  for (const [address, byTopic] of routesByAddress(index)) {
    const topics = new Set([...byTopic].filter(([, r]) => r.decoder.needsTx).map(([topic0]) => topic0));
    if (topics.size > 0) needsTx.set(address, topics);
  }
  /**
   * Known block hashes (number → hash) at or below the cursor, at most `reorgWindow` blocks deep:
   * the reach of reorg repair. A fork below it halts the chain (DeepReorgError) — whatever older
   * hashes happen to be known — so the outcome of a deep reorg does not depend on what was read.
   */
  const window = new Map<number, string>();
  const status: FollowerStatus = { head: 0, cursor: -1, cursorTime: 0, failures: 0, lastError: '', halted: undefined, waiting: undefined };

  /** The lowest block a reorg repair reaches: below it a fork halts the chain instead. */
  const reorgReach = () => status.head - chain.confirmations - chain.reorgWindow;

  function remember(blocks: BlockRef[]) {
    let top = status.cursor;
    for (const b of blocks) {
      window.set(b.number, b.hash);
      top = Math.max(top, b.number);
    }
    const floor = top - chain.reorgWindow;
    for (const n of window.keys()) if (n < floor) window.delete(n);
  }

  async function publishFlows(flows: Flow[], deadLetters: DeadLetter[]) {
    if (flows.length)
      await bus.publish(
        TOPICS.flows,
        flows.map((flow) => ({ key, value: { type: 'flow', flow } as FlowMessage })),
      );
    if (deadLetters.length) {
      await bus.publish(
        TOPICS.dlq,
        deadLetters.map((d) => ({ key: d.stage, value: d })),
      );
      for (const d of deadLetters) {
        common.metrics.dlq.inc({ stage: d.stage, chain: chain.name });
        log.warn({ tx_hash: d.tx_hash, block_number: d.block_number, reason: d.reason }, 'log sent to the dead-letter topic');
      }
    }
  }

  // fetchRange's work between its round trips is split into the plain functions below: one large
  // async function was compiled by V8 eight times in a benchmark run (each type it had not yet
  // seen discarded the whole optimized function; ~0.65 CPU-s of compiling in a 5 s run).

  /**
   * The usable logs of an `eth_getLogs` answer for [from, to], the malformed ones as dead letters,
   * block times the logs carry (trusted ranges only), the logs' transaction indexes (for
   * {@link chainOrder}) and the headers still wanted.
   */
  function usableLogs(raw: RpcLog[], from: number, to: number, trustLogs: boolean, wantHeader: Set<number>) {
    const logs: RawLog[] = [];
    const bad: DeadLetter[] = [];
    const times = new Map<number, number>();
    const txIndex = new Map<string, number>();
    for (const r of raw) {
      if (r?.removed) continue;
      const n = normalizeLog(r);
      if (typeof n === 'string') {
        bad.push(logDeadLetter('ingest.decode', `malformed log: ${n}`, decodeChain, r as never));
        continue;
      }
      const block = n.blockNumber;
      if (block < from || block > to) {
        bad.push(
          logDeadLetter('ingest.decode', `log of block ${block} outside the requested range ${from}-${to}`, decodeChain, n as never),
        );
        continue;
      }
      logs.push(n);
      // The same calls whatever the range's kind: a call only trusted or only untrusted ranges
      // reach made V8 throw away this function's optimized code at each change of kind.
      const time = trustLogs && typeof r.blockTimestamp === 'string' ? hexQuantity(r.blockTimestamp) : undefined;
      if (time !== undefined) times.set(block, time);
      const position = r.transactionIndex;
      const i = typeof position === 'string' ? quantity(position) : undefined;
      if (i !== undefined) txIndex.set(n.transactionHash, i);
    }
    // Blocks with logs whose time the logs did not give: their headers are read.
    for (const l of logs) if (!times.has(l.blockNumber)) wantHeader.add(l.blockNumber);
    return { logs, bad, times, txIndex };
  }

  /** The transactions decoders need (the actor or the value), by block. */
  function neededTransactions(logs: RawLog[]): Map<number, Set<string>> {
    const txsByBlock = new Map<number, Set<string>>();
    for (const l of logs) {
      if (!needsTx.get(l.address)?.has(l.topics[0]!)) continue;
      let set = txsByBlock.get(l.blockNumber);
      if (!set) {
        set = new Set<string>();
        txsByBlock.set(l.blockNumber, set);
      }
      set.add(l.transactionHash);
    }
    return txsByBlock;
  }

  /** Throws when a log's block hash is not the hash of the header read for its block. */
  function checkLogBlocks(logs: RawLog[], headers: Map<number, BlockHeader>): void {
    for (const l of logs) {
      const h = headers.get(l.blockNumber);
      if (h && h.hash !== l.blockHash) {
        throw new RetryableError(`block ${l.blockNumber} changed while it was being read (reorg in progress); retrying the range`);
      }
    }
  }

  /**
   * Chain order within the range (block, transaction index, then the value transfer before the
   * transaction's logs): detect relies on a funding transfer arriving before the deposit it funds.
   */
  function chainOrder(flows: Flow[], txIndex: Map<string, number>, transactions: ReadonlyArray<{ hash: string; index: number }>): void {
    for (const t of transactions) txIndex.set(t.hash, t.index);
    const order = (f: Flow) => (f.category === 'native' ? -1 : f.log_index);
    flows.sort(
      (a, b) =>
        a.block_number - b.block_number ||
        (txIndex.get(a.tx_hash) ?? 0) - (txIndex.get(b.tx_hash) ?? 0) ||
        order(a) - order(b) ||
        a.sub_index - b.sub_index,
    );
  }

  /**
   * Fetches and decodes [from, to] (no publishing): `eth_getLogs` (split adaptively), headers
   * of `to` and of blocks with logs, and the transactions decoders need.
   * `verify` (live mode): fetch the header of every block with logs and require the logs' block
   * hash to match; otherwise (backfill) trust `blockTimestamp` when the node gives it. `deep`: a
   * live range wholly below the reorg reach (catch-up far behind the head), where no reorg is
   * repaired anyway: trusted like a backfill range, so a catch-up costs two headers per range
   * instead of one per block with logs. A live range (deep or not) reads the headers of `from` (the
   * catch-up checks that it builds on the cursor) and `to` (the checkpoint's hash); a backfill
   * range only `to`'s.
   */
  async function fetchRange(from: number, to: number, cursorKey: string, verify: boolean, deep = false): Promise<FetchedRange> {
    const raw = await readLogs(from, to);
    const native =
      nativeMode === 'always' || (nativeMode === 'live' && verify)
        ? await nativeFlows(from, to)
        : { flows: [], headers: [], transactions: [] };
    const wantHeader = new Set<number>(verify ? [from, to] : [to]);
    // Live, within the reorg window of the confirmed head: every block's hash, so that the window
    // is dense where reorgs happen (after a catch-up in wide ranges it would otherwise hold only
    // the ranges' last blocks, and a shallow reorg would find no known ancestor inside it).
    // (A deep range lies wholly below it: nothing to add.)
    if (verify) for (let n = Math.max(from, reorgReach()); n <= to; n++) wantHeader.add(n);
    const { logs, bad, times, txIndex } = usableLogs(raw, from, to, !verify || deep, wantHeader);
    const txsByBlock = neededTransactions(logs);
    const headers = new Map<number, BlockHeader>();
    for (const h of native.headers) headers.set(h.number, h);
    const txs = new Map<string, TxInfo>();
    for (const t of native.transactions) txs.set(t.hash, t);
    // One round trip for headers and transactions: a block holding several needed transactions is
    // read whole (eth_getBlockByNumber(n, true)), which also gives its header; the other blocks'
    // headers (eth_getBlockByNumber(n, false)) and few transactions (eth_getTransactionByHash) in parallel.
    const whole = new Set<number>();
    const single: string[] = [];
    for (const [n, hashes] of txsByBlock) {
      const missing = [...hashes].filter((h) => !txs.has(h));
      if (missing.length >= BLOCK_FETCH_THRESHOLD && !headers.has(n)) whole.add(n);
      else single.push(...missing);
    }
    await Promise.all([
      ...[...whole].map(async (n) => {
        const b = await getBlockWithTransactions(rpc, n);
        headers.set(n, b.header);
        const hashes = txsByBlock.get(n)!;
        for (const t of b.transactions) if (hashes.has(t.hash)) txs.set(t.hash, t);
      }),
      ...[...wantHeader].filter((n) => !headers.has(n) && !whole.has(n)).map(async (n) => headers.set(n, await getBlockHeader(rpc, n))),
      ...single.map(async (h) => txs.set(h, await getTransaction(rpc, h))),
    ]);
    const stillMissing = [...txsByBlock.values()].flatMap((hashes) => [...hashes]).filter((h) => !txs.has(h));
    await Promise.all(stillMissing.map(async (h) => txs.set(h, await getTransaction(rpc, h))));
    for (const [n, h] of headers) times.set(n, h.timestamp);
    checkLogBlocks(logs, headers);
    const { flows, deadLetters } = decodeLogs({ index, chain: decodeChain, logs, txs, blockTimes: times, formatAddress });
    deadLetters.push(...bad);
    flows.push(...native.flows);
    chainOrder(flows, txIndex, native.transactions);
    const last = headers.get(to)!;
    // The hashes a reorg repair can need: those within the reorg window of the confirmed head
    // (a fork below it halts the chain whatever is known). During a catch-up far behind the head
    // none are, and the sink writes no block rows for the range (the cursor row keeps `to`'s hash).
    const reach = reorgReach();
    const blocks: BlockRef[] = [];
    for (const h of headers.values()) if (h.number >= reach) blocks.push({ number: h.number, hash: h.hash });
    const checkpoint: Extract<FlowMessage, { type: 'checkpoint' }> = {
      type: 'checkpoint',
      chain: chain.name,
      chain_id: chain.chainId,
      block: to,
      hash: last.hash,
      block_time: last.timestamp,
      blocks,
      published_at: 0,
    };
    if (cursorKey !== liveKey) checkpoint.cursor_key = cursorKey;
    return { from, to, flows, deadLetters, checkpoint, last, first: headers.get(from), logs: raw.length };
  }

  /**
   * One read of [from, to]: `eth_getLogs` of every filter through `via`, deduplicated by
   * (transactionHash, logIndex). `answered` gets the ids of the logs that match the filter they
   * answer (address and topic0): the part of the answer two reads must agree on (empty when
   * `logReads` is 1: nothing to compare).
   */
  async function readLogsOnce(via: Rpc, from: number, to: number, query: RangeQuery): Promise<{ logs: RpcLog[]; answered: Set<string> }> {
    const seen = new Set<string>();
    const answered = new Set<string>();
    const logs: RpcLog[] = [];
    const { fs, watchedNow } = query;
    // Every filter of the range in one round trip (they were awaited one after the other); merged in filter order.
    const answers = await Promise.all(
      fs.map((f) => getLogsAdaptive(via, common, chain.name, { address: f.address, topics: f.topics }, from, to, span)),
    );
    for (const [i, f] of fs.entries()) {
      const addresses = new Set(f.address.map((a) => a.toLowerCase()));
      const topic0 = Array.isArray(f.topics[0]) ? new Set(f.topics[0].map((t) => t.toLowerCase())) : undefined;
      for (const l of answers[i]!) {
        const id = logId(l);
        if (seen.has(id)) continue;
        // The base query is address × topic0: with scope `watched` it may still return stablecoin
        // transfers (when another base contract needs that topic0); keep only the watched ones.
        if (f.base && watchedNow && isUnwatchedStableTransfer(l, stableAddressSet, watchedNow)) continue;
        seen.add(id);
        logs.push(l);
        if (logReads < 2) continue; // one read: nothing to compare
        // A log outside the filter is no answer to it (it becomes a dead letter): not compared.
        const address = typeof l?.address === 'string' ? l.address.toLowerCase() : '';
        const t0 = Array.isArray(l?.topics) && typeof l.topics[0] === 'string' ? l.topics[0].toLowerCase() : '';
        if (addresses.has(address) && (!topic0 || topic0.has(t0))) answered.add(`${id}:${String(l.blockHash).toLowerCase()}`);
      }
    }
    return { logs, answered };
  }

  /**
   * The logs of [from, to]. With `logReads` 2 the range is read until two reads agree on the
   * logs that answer the filters (same (transactionHash, logIndex, blockHash) set), at most
   * {@link MAX_LOG_READS} times, the second and later reads from the next RPC URL when several
   * are configured; the result is the union of the reads, deduplicated by (transactionHash,
   * logIndex). Load-balanced providers whose backends lag answer a range with logs missing: one
   * answer alone would lose flows silently. No agreement → RetryableError (the range is retried).
   */
  async function readLogs(from: number, to: number): Promise<RpcLog[]> {
    // The filters and the watchlist once per range, shared by its reads.
    const query: RangeQuery = {
      fs: await filters(),
      watchedNow: scope === 'watched' && parameters.watchlist ? await parameters.watchlist.get() : undefined,
    };
    if (logReads < 2) return (await readLogsOnce(rpc, from, to, query)).logs;
    // the first two reads in parallel: the usual outcome (they agree) costs no extra latency
    const [first, second] = await Promise.all([
      readLogsOnce(rpc, from, to, query),
      readLogsOnce(rpc.preferring?.(1) ?? rpc, from, to, query),
    ]);
    const union = new Map<string, RpcLog>();
    const add = (logs: RpcLog[]) => {
      for (const l of logs) {
        const id = logId(l);
        const known = union.get(id);
        if (!known) union.set(id, l);
        else if (String(known.blockHash).toLowerCase() !== String(l.blockHash).toLowerCase())
          throw new RetryableError(
            `log ${id} moved to another block between two reads of ${from}-${to} (reorg in progress); retrying the range`,
          );
      }
    };
    add(first.logs);
    const answers = [first.answered];
    const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
    for (let read = 2; read <= MAX_LOG_READS; read++) {
      const next = read === 2 ? second : await readLogsOnce(rpc.preferring?.(read - 1) ?? rpc, from, to, query);
      add(next.logs);
      if (answers.some((a) => same(a, next.answered))) return [...union.values()];
      answers.push(next.answered);
      common.metrics.logReadDisagreements.inc({ chain: chain.name });
      log.warn(
        { from, to, read, logs: answers.map((a) => a.size) },
        'eth_getLogs answers for the same range disagree (a provider dropped or added logs); reading it again',
      );
    }
    throw new RetryableError(
      `eth_getLogs answers for blocks ${from}-${to} on ${chain.name} disagreed in ${MAX_LOG_READS} reads (${answers.map((a) => a.size).join(', ')} logs); the range is retried later`,
    );
  }

  /**
   * Native-coin transfers sent by watched addresses in [from, to]: `eth_getBlockByNumber(n, true)`
   * per block (skipped while the watchlist is empty). A transaction has no log index: the flow
   * uses 1_000_000 + transaction index so that its id is unique and deterministic.
   */
  async function nativeFlows(
    from: number,
    to: number,
  ): Promise<{ flows: Flow[]; headers: BlockHeader[]; transactions: Array<TxInfo & { hash: string; index: number }> }> {
    const watched = parameters.watchlist ? await parameters.watchlist.get() : new Set<string>();
    if (watched.size === 0) return { flows: [], headers: [], transactions: [] };
    const blocks = await Promise.all(Array.from({ length: to - from + 1 }, (_, i) => getBlockWithTransactions(rpc, from + i)));
    const flows: Flow[] = [];
    for (const b of blocks) {
      for (const tx of b.transactions) {
        if (!watched.has(tx.from) || tx.value === '0') continue;
        const logIndex = 1_000_000 + tx.index;
        flows.push({
          flow_id: flowId(chain.chainId, tx.hash, logIndex),
          chain: chain.name,
          chain_id: chain.chainId,
          block_number: b.header.number,
          block_time: b.header.timestamp,
          block_hash: b.header.hash,
          tx_hash: tx.hash,
          log_index: logIndex,
          sub_index: 0,
          contract: '',
          event: 'tx',
          service: 'native',
          category: 'native',
          action: 'transfer',
          from_address: formatAddress(tx.from),
          to_address: tx.to ? formatAddress(tx.to) : '',
          tx_from: formatAddress(tx.from),
          token: 'native',
          token_symbol: chain.nativeSymbol,
          amount: tx.value,
          decimals: 18,
          counterparty_chain: '',
          bridge_ref: '',
          extra: {},
        });
      }
    }
    return { flows, headers: blocks.map((b) => b.header), transactions: blocks.flatMap((b) => b.transactions) };
  }

  /** Publishes a fetched range: its flows and dead letters, then its checkpoint (same key: ordered after them). */
  async function publishRange(r: FetchedRange): Promise<RangeResult> {
    await publishFlows(r.flows, r.deadLetters);
    // One counter update per (service, action) of the range: prom-client hashes the labels of every call.
    const counts = new Map<string, Map<string, number>>();
    for (const f of r.flows) {
      const byAction = counts.get(f.service) ?? new Map<string, number>();
      counts.set(f.service, byAction);
      byAction.set(f.action, (byAction.get(f.action) ?? 0) + 1);
    }
    for (const [service, byAction] of counts)
      for (const [action, n] of byAction) common.metrics.flowsDecoded.inc({ chain: chain.name, service, action }, n);
    common.metrics.logsDecoded.inc({ chain: chain.name }, r.logs);
    await bus.publish(TOPICS.flows, [{ key, value: { ...r.checkpoint, published_at: Date.now() } }]);
    if (!r.checkpoint.cursor_key) remember([...r.checkpoint.blocks, { number: r.to, hash: r.last.hash }]);
    return { from: r.from, to: r.to, flows: r.flows.length, deadLetters: r.deadLetters.length, last: r.last };
  }

  const liveKey = `live:${chain.chainId}`;

  /** Walks back from the cursor to the newest block whose hash the node still agrees with. */
  async function findAncestor(head: number): Promise<number> {
    const floor = status.cursor - chain.reorgWindow;
    const known = [...window.keys()].filter((n) => n >= floor && n <= Math.min(status.cursor, head)).sort((a, b) => b - a);
    for (const n of known) {
      const h = await getBlockHeader(rpc, n);
      if (h.hash === window.get(n)) return n;
    }
    throw new DeepReorgError(
      `reorg on ${chain.name} deeper than the kept window (${chain.reorgWindow} blocks below ${status.cursor}): flows may be wrong; raise chains.${chain.name}.reorgWindow or re-run a backfill`,
      { context: { chain: chain.name, block_number: status.cursor } },
    );
  }

  async function heartbeat() {
    const value: FlowMessage = {
      type: 'heartbeat',
      chain: chain.name,
      chain_id: chain.chainId,
      head: status.head,
      cursor: Math.max(0, status.cursor),
      cursor_time: status.cursorTime,
      rpc_failures: status.failures,
      last_error: status.halted ?? status.lastError,
      at: Date.now(),
    };
    await bus.publish(TOPICS.flows, [{ key, value }]);
  }

  function setCursor(block: number, time: number) {
    status.cursor = block;
    status.cursorTime = time;
    common.metrics.chainCursor.set({ chain: chain.name }, block);
    common.metrics.chainLastProgress.set({ chain: chain.name }, Date.now() / 1000);
    if (time) common.metrics.chainLagSeconds.set({ chain: chain.name }, Math.max(0, Date.now() / 1000 - time));
  }

  /**
   * Progress was made: the failure count (which drives the backoff and `/readyz`) starts again.
   * Counting only consecutive failures without progress matters: a provider that fails one
   * request in ten still lets every range through, and must not push the backoff to its cap.
   */
  function recovered() {
    if (status.failures === 0) return;
    log.info({ after_failures: status.failures }, `RPC reachable again at ${rpc.where}`);
    status.failures = 0;
    status.lastError = '';
  }

  /** Loads the durable cursor and window, or decides where to start. Returns false while waiting. */
  async function init(): Promise<boolean> {
    const id = await getChainId(rpc);
    if (id !== chain.chainId) {
      throw new FatalError(`chain ${chain.name}: the RPC at ${rpc.where} serves chain id ${id}, expected ${chain.chainId}`);
    }
    const cursor = await store.getCursor(liveKey);
    if (cursor) {
      setCursor(cursor.block, cursor.block_time);
      for (const b of await store.recentBlocks(chain.chainId, cursor.block, chain.reorgWindow)) window.set(b.number, b.hash);
      window.set(cursor.block, cursor.hash);
      log.info({ block_number: cursor.block }, 'resuming from the durable cursor');
      return true;
    }
    const head = await getHeadNumber(rpc);
    status.head = head;
    if (chain.startBlock !== undefined) {
      if (chain.startBlock > head) {
        status.waiting = `start block ${chain.startBlock} is beyond the node's head ${head}; waiting`;
        return false;
      }
      status.waiting = undefined;
      setCursor(chain.startBlock - 1, 0);
      log.info({ block_number: chain.startBlock }, 'no cursor: starting at the configured start block');
      return true;
    }
    const target = Math.max(0, head - chain.confirmations);
    const h = await getBlockHeader(rpc, target);
    setCursor(target, h.timestamp);
    window.set(target, h.hash);
    await bus.publish(TOPICS.flows, [
      {
        key,
        value: {
          type: 'checkpoint',
          chain: chain.name,
          chain_id: chain.chainId,
          block: target,
          hash: h.hash,
          block_time: h.timestamp,
          blocks: [{ number: target, hash: h.hash }],
          published_at: Date.now(),
        },
      },
    ]);
    log.info(
      { block_number: target },
      'no cursor and no start block: starting at the current confirmed head (use `mixwatch backfill` for history)',
    );
    return true;
  }

  /** Handles a detected fork: walks back to the common ancestor and publishes a retraction. */
  async function rollBack(why: string) {
    const old = status.cursor;
    const ancestor = await findAncestor(status.head);
    for (const n of [...window.keys()]) if (n > ancestor) window.delete(n);
    await bus.publish(TOPICS.flows, [
      { key, value: { type: 'retract', chain: chain.name, chain_id: chain.chainId, after_block: ancestor, reason: `reorg: ${why}` } },
    ]);
    common.metrics.reorgs.inc({ chain: chain.name });
    common.metrics.reorgDepth.set({ chain: chain.name }, old - ancestor);
    log.warn({ block_number: ancestor, depth: old - ancestor }, 'reorg detected: retracted flows above the common ancestor');
    setCursor(ancestor, 0);
  }

  /** One poll: check the cursor block is still canonical, then catch up to head − confirmations range by range. */
  async function poll(signal: AbortSignal) {
    const head = await getHeadNumber(rpc);
    status.head = head;
    common.metrics.chainHead.set({ chain: chain.name }, head);
    const probe = Math.min(status.cursor, head);
    const probeHash = window.get(probe);
    if (probe >= 0 && probeHash !== undefined) {
      const h = await getBlockHeader(rpc, probe);
      if (h.hash !== probeHash) await rollBack(`block ${probe} was replaced`);
    }
    const target = head - chain.confirmations;
    // Catch up range by range, up to PREFETCH_RANGES fetched at once and published in order.
    // Before a range is published its first block must build on the cursor's known hash;
    // otherwise the fetched ranges are dropped and the fork is rolled back.
    const ahead: Array<{ from: number; fetched: Promise<FetchedRange> }> = [];
    let next = status.cursor + 1;
    const fill = () => {
      while (ahead.length < PREFETCH_RANGES && next <= target && !signal.aborted) {
        const from = next;
        const to = Math.min(target, from + span.span - 1);
        next = to + 1;
        // Below the reorg reach (far behind the head): trusted as a backfill range is.
        const deep = to < reorgReach();
        const fetched = fetchRange(from, to, liveKey, true, deep);
        fetched.catch(() => {}); // awaited below in order; a later range's failure must not go unhandled
        ahead.push({ from, fetched });
      }
    };
    try {
      fill();
      while (ahead.length > 0 && !signal.aborted) {
        const { from, fetched } = ahead[0]!;
        const r = await fetched;
        ahead.shift();
        const known = window.get(status.cursor);
        if (from !== status.cursor + 1) throw new Error(`ingest: range ${from} fetched out of order (cursor ${status.cursor})`);
        if (known !== undefined && r.first && r.first.parentHash !== known) {
          ahead.length = 0;
          await rollBack(`block ${from} no longer builds on ${status.cursor}`);
          next = status.cursor + 1;
          fill();
          continue;
        }
        await publishRange(r);
        setCursor(r.to, r.last.timestamp);
        recovered();
        fill();
      }
    } finally {
      ahead.length = 0;
    }
    common.metrics.chainLagBlocks.set({ chain: chain.name }, Math.max(0, head - status.cursor));
  }

  return {
    status,
    span,
    chain,
    rpc,
    fetchRange,
    publishRange,
    /** Runs until `signal` aborts. Never throws: failures are logged, counted and retried. */
    async run(signal: AbortSignal) {
      let ready = false;
      let lastWaitLog = 0;
      while (!signal.aborted) {
        try {
          if (!ready) {
            ready = await init();
            if (!ready) {
              if (Date.now() - lastWaitLog > 60_000) {
                log.warn(status.waiting);
                lastWaitLog = Date.now();
              }
              await heartbeat();
              await sleep(chain.pollIntervalMs, signal);
              continue;
            }
          }
          await poll(signal);
          recovered();
          await heartbeat();
          await sleep(chain.pollIntervalMs, signal);
        } catch (error) {
          if (signal.aborted) break;
          status.failures++;
          status.lastError = describeError(error).slice(0, 500);
          const fatal = !isRetryable(error);
          if (error instanceof DeepReorgError || (fatal && !ready)) {
            status.halted = status.lastError;
            log.error({ err: status.lastError }, 'chain halted: operator action needed');
          } else if (fatal) {
            log.error({ err: status.lastError }, 'ingest failed');
          } else {
            log.warn(
              { err: status.lastError, failures: status.failures },
              `cannot read ${chain.name} from ${rpc.where}; retrying with backoff`,
            );
          }
          await heartbeat().catch(() => {});
          const delay = status.halted ? 60_000 : retryDelayMs(chain.pollIntervalMs, status.failures);
          await sleep(delay, signal).catch(() => {});
          if (status.halted && !(error instanceof DeepReorgError)) status.halted = undefined;
        }
      }
    },
  };
}

export type Follower = ReturnType<typeof createFollower>;
