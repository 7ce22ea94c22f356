import { RetryableError } from '@mixwatch/core';
import type { Rpc } from './rpc.ts';

/** The parts of a block header the ingest needs. */
export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  timestamp: number;
}

/** `eth_getBlockByNumber(n, false)` → header. `'latest'` works too. Throws RetryableError on garbage. */
export async function getBlockHeader(rpc: Rpc, block: number | 'latest'): Promise<BlockHeader> {
  const tag = block === 'latest' ? 'latest' : `0x${block.toString(16)}`;
  const b = await rpc.request<{ number?: string; hash?: string; parentHash?: string; timestamp?: string } | null>('eth_getBlockByNumber', [
    tag,
    false,
  ]);
  if (
    !b ||
    typeof b.hash !== 'string' ||
    typeof b.parentHash !== 'string' ||
    typeof b.number !== 'string' ||
    typeof b.timestamp !== 'string'
  ) {
    throw new RetryableError(
      `eth_getBlockByNumber(${tag}) returned no usable block${b === null ? ' (null: the node does not have it yet)' : ''}`,
    );
  }
  return {
    number: Number(BigInt(b.number)),
    hash: b.hash.toLowerCase(),
    parentHash: b.parentHash.toLowerCase(),
    timestamp: Number(BigInt(b.timestamp)),
  };
}

/** `eth_blockNumber` as a number. */
export async function getHeadNumber(rpc: Rpc): Promise<number> {
  const n = await rpc.request<string>('eth_blockNumber', []);
  if (typeof n !== 'string' || !/^0x[0-9a-f]+$/i.test(n))
    throw new RetryableError(`eth_blockNumber returned ${JSON.stringify(n).slice(0, 60)}`);
  return Number(BigInt(n));
}

/** `eth_chainId` as a number. */
export async function getChainId(rpc: Rpc): Promise<number> {
  const n = await rpc.request<string>('eth_chainId', []);
  if (typeof n !== 'string' || !/^0x[0-9a-f]+$/i.test(n))
    throw new RetryableError(`eth_chainId returned ${JSON.stringify(n).slice(0, 60)}`);
  return Number(BigInt(n));
}

/** The transaction fields decoders need, from `eth_getTransactionByHash`. */
export async function getTransaction(rpc: Rpc, hash: string): Promise<{ from: string; to: string | null; value: string; input: string }> {
  const t = await rpc.request<{ from?: string; to?: string | null; value?: string; input?: string } | null>('eth_getTransactionByHash', [
    hash,
  ]);
  if (!t || typeof t.from !== 'string' || typeof t.value !== 'string')
    throw new RetryableError(`eth_getTransactionByHash(${hash}) returned no usable transaction`);
  return { from: t.from.toLowerCase(), to: t.to ? t.to.toLowerCase() : null, value: BigInt(t.value).toString(), input: t.input ?? '0x' };
}

/** A block with its transactions' value-transfer fields, from `eth_getBlockByNumber(n, true)`. */
export interface BlockWithTransactions {
  header: BlockHeader;
  transactions: Array<{ hash: string; index: number; from: string; to: string | null; value: string }>;
}

/** `eth_getBlockByNumber(n, true)`: the header and every transaction's from/to/value. */
export async function getBlockWithTransactions(rpc: Rpc, block: number): Promise<BlockWithTransactions> {
  const tag = `0x${block.toString(16)}`;
  type Tx = { hash?: string; transactionIndex?: string; from?: string; to?: string | null; value?: string };
  const b = await rpc.request<{ number?: string; hash?: string; parentHash?: string; timestamp?: string; transactions?: Tx[] } | null>(
    'eth_getBlockByNumber',
    [tag, true],
  );
  if (
    !b ||
    typeof b.hash !== 'string' ||
    typeof b.parentHash !== 'string' ||
    typeof b.timestamp !== 'string' ||
    !Array.isArray(b.transactions)
  ) {
    throw new RetryableError(`eth_getBlockByNumber(${tag}, true) returned no usable block`);
  }
  return {
    header: { number: block, hash: b.hash.toLowerCase(), parentHash: b.parentHash.toLowerCase(), timestamp: Number(BigInt(b.timestamp)) },
    transactions: b.transactions
      .filter((t) => typeof t?.hash === 'string' && typeof t.from === 'string')
      .map((t) => ({
        hash: t.hash!.toLowerCase(),
        index: Number(BigInt(t.transactionIndex ?? '0x0')),
        from: t.from!.toLowerCase(),
        to: t.to ? t.to.toLowerCase() : null,
        value: BigInt(t.value ?? '0x0').toString(),
      })),
  };
}
