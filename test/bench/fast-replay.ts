// Fast replay of many logs on anvil for the benchmarks and the fault suite: a second emitter
// program (the one in test/helpers/emitter.ts emits one log per call) that emits a whole batch of
// logs from one transaction, JSON-RPC batch requests, several transactions per mined block.
// Logs of one transaction share the emitting address, the sender and the value, so consecutive
// logs with the same (address, from, value) are grouped.
import type { Anvil } from '../helpers/anvil.ts';
import { assemble, EMITTER_CODE, type Op } from '../helpers/emitter.ts';
import type { ReplayLog } from '../helpers/replay.ts';

// calldata = records [n: 1 byte][len: 2 bytes][n topics: 32 bytes each][len bytes of data]…
// Loop: for each record, copy data to memory 0 and LOGn(0, len, topics…). Stack at the loop
// head: [ptr]. Inside a record: [next, n, len, ts] (ts = offset of the first topic).
const program: Op[] = [
  '6000', // ptr = 0
  { label: 'loop' },
  '5b',
  '80',
  '36',
  '11', // calldatasize > ptr
  '15',
  { jumpTo: 'end' },
  '57',
  '80',
  '35',
  '60f8',
  '1c', // n
  '81',
  '6001',
  '01',
  '35',
  '60f0',
  '1c', // len
  '81',
  '6005',
  '1b',
  '83',
  '01',
  '6003',
  '01', // ds = ptr + 3 + n*32        [ptr n len ds]
  '81',
  '81',
  '6000',
  '37', // calldatacopy(0, ds, len)
  '81',
  '81',
  '01', // next = ds + len             [ptr n len ds next]
  '93', // SWAP4                        [next n len ds ptr]
  '6003',
  '01', // ts = ptr + 3                [next n len ds ts]
  '90',
  '50', //                              [next n len ts]
  '82',
  '15',
  { jumpTo: 'L0' },
  '57',
  '82',
  '6001',
  '14',
  { jumpTo: 'L1' },
  '57',
  '82',
  '6002',
  '14',
  { jumpTo: 'L2' },
  '57',
  '82',
  '6003',
  '14',
  { jumpTo: 'L3' },
  '57',
  '82',
  '6004',
  '14',
  { jumpTo: 'L4' },
  '57',
  '6000',
  '80',
  'fd',
  { label: 'L0' },
  '5b',
  '81',
  '6000',
  'a0',
  { jumpTo: 'next' },
  '56',
  { label: 'L1' },
  '5b',
  '80',
  '35',
  '82',
  '6000',
  'a1',
  { jumpTo: 'next' },
  '56',
  { label: 'L2' },
  '5b',
  '80',
  '6020',
  '01',
  '35',
  '81',
  '35',
  '83',
  '6000',
  'a2',
  { jumpTo: 'next' },
  '56',
  { label: 'L3' },
  '5b',
  '80',
  '6040',
  '01',
  '35',
  '81',
  '6020',
  '01',
  '35',
  '82',
  '35',
  '84',
  '6000',
  'a3',
  { jumpTo: 'next' },
  '56',
  { label: 'L4' },
  '5b',
  '80',
  '6060',
  '01',
  '35',
  '81',
  '6040',
  '01',
  '35',
  '82',
  '6020',
  '01',
  '35',
  '83',
  '35',
  '85',
  '6000',
  'a4',
  { jumpTo: 'next' },
  '56',
  { label: 'next' },
  '5b',
  '50',
  '50',
  '50', //                              [next]
  { jumpTo: 'loop' },
  '56',
  { label: 'end' },
  '5b',
  '00',
];

export const BATCH_EMITTER_CODE = assemble(program);

/** Calldata that makes the batch emitter log each `{topics, data}` in order. */
export function batchEmitterCalldata(logs: Array<{ topics: string[]; data: string }>): string {
  let out = '0x';
  for (const l of logs) {
    if (l.topics.length > 4) throw new Error('at most 4 topics');
    const data = l.data.replace(/^0x/, '');
    if (data.length / 2 > 0xffff) throw new Error('log data longer than 65535 bytes');
    out += l.topics.length.toString(16).padStart(2, '0') + (data.length / 2).toString(16).padStart(4, '0');
    for (const t of l.topics) out += t.replace(/^0x/, '').toLowerCase();
    out += data;
  }
  return out;
}

const toHex = (v: string | bigint | number) => `0x${BigInt(v).toString(16)}`;

/** One JSON-RPC batch; throws on the first error. */
async function batch<T = unknown>(anvil: Anvil, calls: Array<{ method: string; params: unknown[] }>): Promise<T[]> {
  const res = await fetch(anvil.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', id: i, ...c }))),
  });
  const body = (await res.json()) as Array<{ id: number; result?: T; error?: { message: string } }>;
  body.sort((a, b) => a.id - b.id);
  const bad = body.find((b) => b.error);
  if (bad) throw new Error(`${calls[bad.id]?.method}: ${bad.error?.message}`);
  return body.map((b) => b.result as T);
}

/** Options of {@link replayFast}. */
export interface ReplayFastParameters {
  /** Logs emitted by one transaction (same address, sender and value). Default 50. */
  logsPerTx?: number;
  /** Transactions per mined block. Default 10. */
  txPerBlock?: number;
  /** Unix seconds of the first block; each next block +12 s. Default: node clock. */
  startTime?: number;
  /** Called after each block with the number of logs replayed so far. */
  onProgress?: (done: number) => void;
}

/** What {@link replayFast} put on chain. */
export interface ReplayFastResult {
  /** One entry per log, in order. */
  placed: Array<{ txHash: string; logIndexInTx: number }>;
  blocks: number;
  firstBlock: number;
  lastBlock: number;
}

/**
 * Replays `logs` in order: the batch emitter at every distinct address (anvil_setCode), each
 * sender impersonated and funded, automine off, `txPerBlock` transactions per `evm_mine`, each
 * transaction emitting up to `logsPerTx` consecutive logs that share address, sender and value.
 * All transactions of a block go in one JSON-RPC batch. Automine is restored at the end.
 */
export async function replayFast(anvil: Anvil, logs: ReplayLog[], parameters: ReplayFastParameters = {}): Promise<ReplayFastResult> {
  const logsPerTx = parameters.logsPerTx ?? 50;
  const txPerBlock = parameters.txPerBlock ?? 10;
  const addresses = [...new Set(logs.map((l) => l.address.toLowerCase()))];
  const senders = [...new Set(logs.map((l) => l.from.toLowerCase()))];
  await batch(anvil, [
    ...addresses.map((a) => ({ method: 'anvil_setCode', params: [a, BATCH_EMITTER_CODE] })),
    ...senders.flatMap((f) => [
      { method: 'anvil_impersonateAccount', params: [f] },
      { method: 'anvil_setBalance', params: [f, toHex(10n ** 32n)] },
    ]),
  ]);
  const nonceList = await batch<string>(
    anvil,
    senders.map((f) => ({ method: 'eth_getTransactionCount', params: [f, 'pending'] })),
  );
  const nonces = new Map(senders.map((f, i) => [f, Number(nonceList[i])]));
  // Group consecutive logs into transactions.
  const txs: Array<{ from: string; to: string; value: bigint; logs: ReplayLog[]; first: number }> = [];
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i]!;
    const from = l.from.toLowerCase();
    const to = l.address.toLowerCase();
    const value = BigInt(l.value ?? 0n);
    const last = txs[txs.length - 1];
    if (last && last.from === from && last.to === to && last.value === value && last.logs.length < logsPerTx) last.logs.push(l);
    else txs.push({ from, to, value, logs: [l], first: i });
  }
  const placed: ReplayFastResult['placed'] = new Array(logs.length);
  const firstBlock = Number(await anvil.rpc<string>('eth_blockNumber')) + 1;
  let time = parameters.startTime;
  let blocks = 0;
  await anvil.rpc('evm_setAutomine', [false]);
  try {
    for (let b = 0; b < txs.length; b += txPerBlock) {
      const chunk = txs.slice(b, b + txPerBlock);
      const hashes = await batch<string>(
        anvil,
        chunk.map((t) => {
          const nonce = nonces.get(t.from)!;
          nonces.set(t.from, nonce + 1);
          return {
            method: 'eth_sendTransaction',
            params: [
              {
                from: t.from,
                to: t.to,
                data: batchEmitterCalldata(t.logs),
                value: toHex(t.value),
                gas: toHex(30_000 + t.logs.length * 40_000),
                nonce: toHex(nonce),
              },
            ],
          };
        }),
      );
      chunk.forEach((t, k) => {
        for (let j = 0; j < t.logs.length; j++) placed[t.first + j] = { txHash: hashes[k]!, logIndexInTx: j };
      });
      await anvil.rpc('evm_mine', time !== undefined ? [toHex(time)] : []);
      if (time !== undefined) time += 12;
      blocks++;
      parameters.onProgress?.(Math.min(logs.length, (chunk[chunk.length - 1]?.first ?? 0) + (chunk[chunk.length - 1]?.logs.length ?? 0)));
    }
  } finally {
    await anvil.rpc('evm_setAutomine', [true]);
  }
  const lastBlock = Number(await anvil.rpc<string>('eth_blockNumber'));
  if (lastBlock - firstBlock + 1 !== blocks) throw new Error(`replayFast: mined ${lastBlock - firstBlock + 1} blocks, expected ${blocks}`);
  return { placed, blocks, firstBlock, lastBlock };
}

/** Counts the logs of blocks [from, to] on the node (eth_getLogs, chunked), to check a replay. */
export async function countLogs(anvil: Anvil, from: number, to: number, step = 200): Promise<number> {
  let n = 0;
  for (let b = from; b <= to; b += step) {
    const logs = await anvil.rpc<unknown[]>('eth_getLogs', [{ fromBlock: toHex(b), toBlock: toHex(Math.min(to, b + step - 1)) }]);
    n += logs.length;
  }
  return n;
}

export { EMITTER_CODE };
