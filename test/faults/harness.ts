// Fault-suite support: the ground truth of a replayed chain (what the registry decoders make of
// the node's canonical logs, computed straight from the node, independent of the daemon), the
// comparison of the store against it, a provider proxy that changes eth_getLogs answers per call,
// and the faults × outcome table printed by the last test.
import { decodeLogs, normalizeLog } from '@mixwatch/ingest';
import { buildChainIndex, type RawLog, type TxInfo } from '@mixwatch/registry';
import { ETHEREUM } from '../bench/corpus.ts';
import type { Anvil } from '../helpers/anvil.ts';
import { startFlakyRpc } from '../helpers/flaky-rpc.ts';

const toHex = (n: number) => `0x${n.toString(16)}`;

async function batch<T>(url: string, calls: Array<{ method: string; params: unknown[] }>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < calls.length; i += 500) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(calls.slice(i, i + 500).map((c, k) => ({ jsonrpc: '2.0', id: k, ...c }))),
    });
    const body = (await res.json()) as Array<{ id: number; result: T; error?: { message: string } }>;
    body.sort((a, b) => a.id - b.id);
    for (const b of body) {
      if (b.error) throw new Error(b.error.message);
      out.push(b.result);
    }
  }
  return out;
}

/**
 * The flow ids the pipeline must store for blocks [from, to] of the node's CURRENT canonical
 * chain: every log (eth_getLogs without filter), its transaction and block time fetched from the
 * node, decoded with the registry. Throws if a replayed log does not decode.
 */
export async function groundTruth(anvil: Anvil, from: number, to: number): Promise<Set<string>> {
  const index = buildChainIndex({ chain: 'ethereum' });
  const raw: RawLog[] = [];
  for (let b = from; b <= to; b += 100) {
    const logs = await anvil.rpc<unknown[]>('eth_getLogs', [{ fromBlock: toHex(b), toBlock: toHex(Math.min(to, b + 99)) }]);
    for (const l of logs) {
      const n = normalizeLog(l as never);
      if (typeof n === 'string') throw new Error(`ground truth: node returned a malformed log: ${n}`);
      raw.push(n);
    }
  }
  const hashes = [...new Set(raw.map((l) => l.transactionHash))];
  const txs = await batch<{ from: string; to: string | null; value: string; input: string }>(
    anvil.url,
    hashes.map((h) => ({ method: 'eth_getTransactionByHash', params: [h] })),
  );
  const txMap = new Map<string, TxInfo>(
    hashes.map((h, i) => [
      h,
      {
        from: txs[i]!.from.toLowerCase(),
        to: txs[i]!.to?.toLowerCase() ?? null,
        value: BigInt(txs[i]!.value).toString(),
        input: txs[i]!.input,
      },
    ]),
  );
  const blockNumbers = [...new Set(raw.map((l) => l.blockNumber))];
  const blocks = await batch<{ timestamp: string }>(
    anvil.url,
    blockNumbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [toHex(n), false] })),
  );
  const blockTimes = new Map(blockNumbers.map((n, i) => [n, Number(BigInt(blocks[i]!.timestamp))]));
  const { flows, deadLetters } = decodeLogs({ index, chain: ETHEREUM, logs: raw, txs: txMap, blockTimes, formatAddress: (a) => a });
  if (deadLetters.length) throw new Error(`ground truth: ${deadLetters.length} logs do not decode: ${deadLetters[0]?.reason}`);
  return new Set(flows.map((f) => f.flow_id));
}

/** Store vs truth. `duplicated` = rows beyond one per flow id after FINAL (ReplacingMergeTree dedup). */
export interface Comparison {
  expected: number;
  stored: number;
  lost: number;
  duplicated: number;
  invented: number;
}

/** Compares `mixwatch.flows FINAL` (through `query`) with the ground truth. */
export async function compareFlows(query: <T>(sql: string) => Promise<T[]>, truth: Set<string>): Promise<Comparison> {
  return compareIds(
    await query<{ id: string; n: string }>('SELECT flow_id AS id, count() AS n FROM mixwatch.flows FINAL GROUP BY flow_id'),
    truth,
  );
}

/** Stored ids against the expected ones (`rows`: id and its count after FINAL). */
export function compareIds(rows: Array<{ id: string; n: string | number }>, expected: Set<string>): Comparison {
  const stored = new Set(rows.map((r) => r.id));
  let duplicated = 0;
  for (const r of rows) duplicated += Number(r.n) - 1;
  let lost = 0;
  for (const id of expected) if (!stored.has(id)) lost++;
  let invented = 0;
  for (const id of stored) if (!expected.has(id)) invented++;
  return { expected: expected.size, stored: rows.reduce((s, r) => s + Number(r.n), 0), lost, duplicated, invented };
}

/** One row of the faults × outcome table. */
export interface FaultRow {
  fault: string;
  injected: string;
  comparison?: Comparison;
  outcome: string;
  seconds: number;
}

/** Collected by each test, printed by the last one. */
export const faultRows: FaultRow[] = [];

/** The table as markdown. */
export function faultTable(rows: FaultRow[]): string {
  const head = '| fault | injected | expected | stored | lost | duplicated | invented | outcome | s |';
  const sep = '|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const c = r.comparison;
    return `| ${r.fault} | ${r.injected} | ${c?.expected ?? '-'} | ${c?.stored ?? '-'} | ${c?.lost ?? '-'} | ${c?.duplicated ?? '-'} | ${c?.invented ?? '-'} | ${r.outcome} | ${r.seconds.toFixed(0)} |`;
  });
  return [head, sep, ...lines].join('\n');
}

/** What {@link startMutatingRpc} does to eth_getLogs answers (probabilities per call, seeded PRNG). */
export interface MutateOptions {
  target: string;
  /** Add 1–3 logs of an unwatched address to this share of eth_getLogs answers. */
  addUnwatched?: number;
  /** Drop each log with probability `dropLog` in this share of eth_getLogs answers. */
  dropCalls?: number;
  dropLog?: number;
  seed?: number;
}

/** A provider that answers eth_getLogs differently per call; counts what it changed. */
export interface MutatingRpc {
  url: string;
  counts: { getLogs: number; added: number; dropped: number };
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `target` (the shared flaky proxy's `mutateLogs` hook). */
export async function startMutatingRpc(options: MutateOptions): Promise<MutatingRpc> {
  let seed = options.seed ?? 7;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const counts = { getLogs: 0, added: 0, dropped: 0 };
  const proxy = await startFlakyRpc({
    target: options.target,
    mutateLogs: (answer) => {
      counts.getLogs++;
      let logs = answer;
      if (options.dropCalls && rand() < options.dropCalls) {
        logs = logs.filter(() => rand() >= (options.dropLog ?? 0.1));
        counts.dropped += answer.length - logs.length;
      }
      if (options.addUnwatched && logs.length > 0 && rand() < options.addUnwatched) {
        const k = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < k; i++) {
          const model = logs[Math.floor(rand() * logs.length)]!;
          logs = [...logs, { ...model, address: `0x${'12'.repeat(20)}`, logIndex: toHex(1000 + i) }];
          counts.added++;
        }
      }
      return logs;
    },
  });
  return { url: proxy.url, counts, stop: () => proxy.stop() };
}
