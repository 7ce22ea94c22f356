// The recorded-log corpus shared by the decode benchmark, the end-to-end benchmarks and the fault
// suite: the recorded Tornado 100 ETH pool events (test/fixtures/tornado-eth-100.json, with its
// source), USDT transfers at the real token address, and one documented sample log at every
// decodable Ethereum registry route (bridges, Railgun, custody…), each as a replayable log with
// the event ABI that viem needs to decode it generically.

import { buildChainIndex, type ChainIndex, type DecodeChain, type RawLog, type TxInfo } from '@mixwatch/registry';
import { type AbiEvent, encodeAbiParameters, encodeEventTopics, type Hex, parseAbiItem } from 'viem';
import { SAMPLES } from '../../packages/registry/src/decoders/samples.ts';
import '../../packages/registry/src/decoders/samples-bridges.ts';
import { ADDR, tornadoCases, usdtTransfer } from '../helpers/fixtures.ts';
import type { ReplayLog } from '../helpers/replay.ts';

/** Ethereum as the decoders see it. */
export const ETHEREUM: DecodeChain = { name: 'ethereum', chainId: 1, nativeSymbol: 'ETH', addressFormat: 'evm' };

/** One corpus entry: the log to replay plus the ABI item a generic decoder needs. */
export interface CorpusLog {
  log: ReplayLog;
  abi: AbiEvent;
  /** `tornado`, `usdt` or the decoder name of a registry sample. */
  kind: string;
  /** The route's decoder reads the transaction (sender / value / input). */
  needsTx: boolean;
}

function encode(item: AbiEvent, args: Record<string, unknown>): { topics: string[]; data: string } {
  const indexed = item.inputs.filter((i) => i.indexed);
  const topics = encodeEventTopics({
    abi: [item],
    eventName: item.name,
    args: Object.fromEntries(indexed.map((i) => [i.name, args[i.name as string]])),
  } as never) as string[];
  const rest = item.inputs.filter((i) => !i.indexed);
  return {
    topics: topics.map((t) => t.toLowerCase()),
    data: encodeAbiParameters(rest, rest.map((i) => args[i.name as string]) as never).toLowerCase(),
  };
}

/** Deterministic pseudo-random 20-byte address number `i`. */
export function addressN(i: number, salt = 0): string {
  return `0x${((i * 2654435761 + salt * 40503) >>> 0).toString(16).padStart(8, '0')}${'7'.repeat(24)}${(salt & 0xff).toString(16).padStart(8, '0')}`;
}

/**
 * The distinct logs of the corpus (Ethereum): every recorded Tornado deposit/withdrawal, `usdt`
 * USDT transfers between `addressN` parties, and one sample log per decodable registry route
 * (skipping watched custody routes, which share the USDT route).
 */
export function corpusLogs(options: { usdt?: number; index?: ChainIndex } = {}): CorpusLog[] {
  const index = options.index ?? buildChainIndex({ chain: 'ethereum' });
  const out: CorpusLog[] = [];
  const dep = parseAbiItem(SAMPLES['tornado.deposit']!.abi) as AbiEvent;
  const wd = parseAbiItem(SAMPLES['tornado.withdrawal']!.abi) as AbiEvent;
  const f = tornadoCases({ deposits: 300, withdrawals: 260 });
  for (const c of f) out.push({ log: c.log, abi: c.expect.action === 'deposit' ? dep : wd, kind: 'tornado', needsTx: true });
  const transfer = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)') as AbiEvent;
  for (let i = 0; i < (options.usdt ?? 400); i++) {
    out.push({
      log: usdtTransfer(addressN(i, 1), addressN(i, 2), BigInt(1_000_000 + i * 7919)),
      abi: transfer,
      kind: 'usdt',
      needsTx: false,
    });
  }
  for (const route of index.routes.values()) {
    if (route.contract.watch || route.contract.address === ADDR.usdtEthereum) continue;
    const name = route.event.decoder ?? '';
    if (name.startsWith('tornado.')) continue;
    const sample = SAMPLES[name];
    if (!sample) continue;
    const item = parseAbiItem(sample.abi) as AbiEvent;
    const { topics, data } = encode(item, sample.args(route.contract));
    if (topics[0] !== route.event.topic0) continue;
    out.push({
      log: { address: route.contract.address, topics, data, from: sample.from, value: sample.value ?? 0n },
      abi: item,
      kind: name,
      needsTx: route.decoder.needsTx,
    });
  }
  return out;
}

/** A synthetic block/tx placement for decode-only runs. */
export interface PlacedLogs {
  logs: RawLog[];
  /** Same order as `logs`: the ABI item for viem. */
  abis: AbiEvent[];
  txs: Map<string, TxInfo>;
  blockTimes: Map<number, number>;
}

/**
 * `n` logs cycling through `corpus`, placed 100 per block with distinct transaction hashes, as
 * the ingest hands them to `decodeLogs` (lowercase hex, numbers parsed); transactions are given
 * for routes whose decoder needs them.
 */
export function placeLogs(corpus: CorpusLog[], n: number): PlacedLogs {
  const logs: RawLog[] = [];
  const abis: AbiEvent[] = [];
  const txs = new Map<string, TxInfo>();
  const blockTimes = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = corpus[i % corpus.length]!;
    const blockNumber = 19_000_000 + Math.floor(i / 100);
    blockTimes.set(blockNumber, 1_700_000_000 + (blockNumber - 19_000_000) * 12);
    const transactionHash = `0x${i.toString(16).padStart(64, '0')}`;
    logs.push({
      address: c.log.address.toLowerCase(),
      topics: c.log.topics.map((t) => t.toLowerCase()),
      data: c.log.data.toLowerCase(),
      blockNumber,
      blockHash: `0x${blockNumber.toString(16).padStart(64, 'b')}`,
      transactionHash,
      logIndex: i % 100,
    });
    abis.push(c.abi);
    if (c.needsTx)
      txs.set(transactionHash, { from: c.log.from.toLowerCase(), to: c.log.address.toLowerCase(), value: String(c.log.value ?? 0n) });
  }
  return { logs, abis, txs, blockTimes };
}

export type { Hex };

/**
 * A replay stream of `n` logs for the end-to-end benchmarks: the corpus mix in the proportions
 * USDT transfers 60 %, recorded Tornado events 30 %, registry samples (bridges, Railgun…) 10 %,
 * each USDT transfer between fresh parties. Within each window of `window` logs (one block's
 * worth) the logs are grouped by (address, sender, value) so the batch emitter can put many in
 * one transaction; the order inside a group is kept.
 */
export function benchStream(n: number, options: { window?: number; index?: ChainIndex } = {}): CorpusLog[] {
  const corpus = corpusLogs({ usdt: 0, ...(options.index ? { index: options.index } : {}) });
  const tornado = corpus.filter((c) => c.kind === 'tornado');
  const samples = corpus.filter((c) => c.kind !== 'tornado');
  const transfer = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)') as AbiEvent;
  const relayer = '0x00000000000000000000000000000000000b0b01';
  const out: CorpusLog[] = [];
  let t = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const r = i % 10;
    if (r < 6) {
      const log = usdtTransfer(addressN(i, 3), addressN(i, 4), BigInt(1_000_000 + i), relayer);
      out.push({ log, abi: transfer, kind: 'usdt', needsTx: false });
    } else if (r < 9) out.push(tornado[t++ % tornado.length]!);
    else out.push(samples[s++ % samples.length]!);
  }
  const window = options.window ?? 500;
  const key = (c: CorpusLog) => `${c.log.address}|${c.log.from}|${c.log.value ?? 0}`;
  for (let w = 0; w < out.length; w += window) {
    const slice = out.slice(w, w + window);
    const order = new Map<string, number>();
    for (const c of slice) if (!order.has(key(c))) order.set(key(c), order.size);
    slice.sort((a, b) => order.get(key(a))! - order.get(key(b))!);
    for (let k = 0; k < slice.length; k++) out[w + k] = slice[k]!;
  }
  return out;
}
