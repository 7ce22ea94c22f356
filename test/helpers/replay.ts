import type { Anvil } from './anvil.ts';
import { EMITTER_CODE, emitterCalldata } from './emitter.ts';

/** One log to replay: emitted at `address` by a transaction from `from` carrying `value` wei. */
export interface ReplayLog {
  address: string;
  topics: string[];
  data: string;
  from: string;
  /** Wei, decimal string or bigint. Default 0. */
  value?: string | bigint;
  /** Unix seconds of the block (must increase). Default: the node's clock. */
  timestamp?: number;
}

/** The transaction a replayed log ended up in. */
export interface Replayed {
  txHash: string;
  blockNumber: number;
  blockHash: string;
  logIndex: number;
}

const toHex = (v: string | bigint | number) => `0x${BigInt(v).toString(16)}`;

/** Per-node memo of what is already set up (code placed, senders impersonated and funded). */
const prepared = new WeakMap<Anvil, { code: Set<string>; senders: Set<string> }>();

async function prepare(anvil: Anvil, address: string, from: string) {
  let p = prepared.get(anvil);
  if (!p) {
    p = { code: new Set(), senders: new Set() };
    prepared.set(anvil, p);
  }
  const a = address.toLowerCase();
  const f = from.toLowerCase();
  if (!p.code.has(a)) {
    await anvil.rpc('anvil_setCode', [a, EMITTER_CODE]);
    p.code.add(a);
  }
  if (!p.senders.has(f)) {
    await anvil.rpc('anvil_impersonateAccount', [f]);
    await anvil.rpc('anvil_setBalance', [f, toHex(10n ** 30n)]);
    p.senders.add(f);
  }
}

/**
 * Replays one log with automine: puts the emitter at the real address (anvil_setCode),
 * impersonates the real sender (anvil_impersonateAccount), restores the block time
 * (evm_setNextBlockTimestamp) and sends the transaction with the real value.
 */
export async function emitLog(anvil: Anvil, log: ReplayLog): Promise<Replayed> {
  await prepare(anvil, log.address, log.from);
  if (log.timestamp !== undefined) await anvil.rpc('evm_setNextBlockTimestamp', [toHex(log.timestamp)]);
  const txHash = await anvil.rpc<string>('eth_sendTransaction', [
    {
      from: log.from.toLowerCase(),
      to: log.address.toLowerCase(),
      data: emitterCalldata(log.topics, log.data),
      value: toHex(log.value ?? 0n),
      gas: '0x200000',
    },
  ]);
  type Receipt = { blockNumber: string; blockHash: string; logs: Array<{ logIndex: string }>; status: string };
  let receipt: Receipt | null = null;
  for (let i = 0; i < 200 && !receipt; i++) {
    receipt = await anvil.rpc<Receipt | null>('eth_getTransactionReceipt', [txHash]);
    if (!receipt) await new Promise((r) => setTimeout(r, 10));
  }
  if (receipt?.status !== '0x1') throw new Error(`replay tx ${txHash} failed (status ${receipt?.status ?? 'not mined'})`);
  return {
    txHash,
    blockNumber: Number(receipt.blockNumber),
    blockHash: receipt.blockHash,
    logIndex: Number(receipt.logs[0]?.logIndex ?? 0),
  };
}

/**
 * Replays many logs fast: automine off, `perBlock` transactions per mined block (the block
 * time of each block = the first log's timestamp in it, when given), automine restored.
 * Returns the transaction hashes in order.
 */
export async function emitLogs(anvil: Anvil, logs: ReplayLog[], options: { perBlock?: number } = {}): Promise<string[]> {
  const perBlock = options.perBlock ?? 200;
  for (const l of logs) await prepare(anvil, l.address, l.from);
  await anvil.rpc('evm_setAutomine', [false]);
  const hashes: string[] = [];
  const nonces = new Map<string, number>();
  for (const f of new Set(logs.map((l) => l.from.toLowerCase()))) {
    nonces.set(f, Number(await anvil.rpc<string>('eth_getTransactionCount', [f, 'pending'])));
  }
  try {
    for (let i = 0; i < logs.length; i += perBlock) {
      const chunk = logs.slice(i, i + perBlock);
      const sent = await Promise.all(
        chunk.map((l) => {
          const from = l.from.toLowerCase();
          const nonce = nonces.get(from)!;
          nonces.set(from, nonce + 1);
          return anvil.rpc<string>('eth_sendTransaction', [
            {
              from,
              to: l.address.toLowerCase(),
              data: emitterCalldata(l.topics, l.data),
              value: toHex(l.value ?? 0n),
              gas: '0x200000',
              nonce: toHex(nonce),
            },
          ]);
        }),
      );
      hashes.push(...sent);
      const ts = chunk[0]?.timestamp;
      await anvil.rpc('evm_mine', ts !== undefined ? [toHex(ts)] : []);
    }
  } finally {
    await anvil.rpc('evm_setAutomine', [true]);
  }
  return hashes;
}

/** Mines `n` empty blocks (to move the head past the confirmation depth). */
export async function mine(anvil: Anvil, n: number): Promise<void> {
  await anvil.rpc('anvil_mine', [toHex(n)]);
}

/** The node's current head. */
export async function headNumber(anvil: Anvil): Promise<number> {
  return Number(await anvil.rpc<string>('eth_blockNumber'));
}
