// Test support for the decoder unit tests (not exported from the package): builds logs from the
// documented event ABI with viem's encoders at a real registry address, and the decode context.
import assert from 'node:assert/strict';
import { type AbiEvent, encodeAbiParameters, encodeEventTopics, type Hex, parseAbiItem, toEventSelector } from 'viem';
import { allContracts } from '../registry.ts';
import type { ContractEntry, DecodeChain, DecodeContext, EventDef, FlowDraft, RawLog, TxInfo } from '../types.ts';

/** Decode facts of every registry chain, for tests. */
export const CHAIN: Record<string, Omit<DecodeChain, 'name'>> = {
  ethereum: { chainId: 1, nativeSymbol: 'ETH', addressFormat: 'evm' },
  bsc: { chainId: 56, nativeSymbol: 'BNB', addressFormat: 'evm' },
  polygon: { chainId: 137, nativeSymbol: 'POL', addressFormat: 'evm' },
  arbitrum: { chainId: 42161, nativeSymbol: 'ETH', addressFormat: 'evm' },
  optimism: { chainId: 10, nativeSymbol: 'ETH', addressFormat: 'evm' },
  avalanche: { chainId: 43114, nativeSymbol: 'AVAX', addressFormat: 'evm' },
  gnosis: { chainId: 100, nativeSymbol: 'XDAI', addressFormat: 'evm' },
  base: { chainId: 8453, nativeSymbol: 'ETH', addressFormat: 'evm' },
  tron: { chainId: 728126428, nativeSymbol: 'TRX', addressFormat: 'tron' },
  ethereumclassic: { chainId: 61, nativeSymbol: 'ETC', addressFormat: 'evm' },
};

/** The registry entry at (chain, address). */
export function contractAt(chain: string, address: string): ContractEntry {
  const c = allContracts().find((e) => e.chain === chain && e.address === address.toLowerCase());
  assert.ok(c, `no registry entry ${chain} ${address}`);
  return c;
}

/** A fake but well-formed tx hash / block hash. */
export const TX = `0x${'ab'.repeat(32)}`;

/**
 * Encodes `eventAbi` (human-readable, with names and `indexed`) with `args` as the log of
 * `contract`, checks that its topic0 is the registry's for that signature and that its indexed
 * names match the registry's `indexedArgs` where the registry gives them, and returns the decode
 * context for the event's decoder.
 */
export function logFor(contract: ContractEntry, eventAbi: string, args: Record<string, unknown>, tx?: TxInfo, logIndex = 7): DecodeContext {
  const item = parseAbiItem(eventAbi) as AbiEvent;
  const topic0 = toEventSelector(item);
  const event = contract.events.find((e) => e.topic0 === topic0);
  assert.ok(event, `${contract.label}: no registry event with topic0 ${topic0} (${eventAbi})`);
  const indexed = item.inputs.filter((i) => i.indexed);
  if (event.indexedArgs)
    assert.deepEqual(
      indexed.map((i) => i.name),
      event.indexedArgs,
      `${event.signature}: indexed args differ from the registry`,
    );
  const topics = encodeEventTopics({
    abi: [item],
    eventName: item.name,
    args: Object.fromEntries(indexed.map((i) => [i.name, args[i.name as string]])),
  } as never) as string[];
  const nonIndexed = item.inputs.filter((i) => !i.indexed);
  const data = encodeAbiParameters(nonIndexed, nonIndexed.map((i) => args[i.name as string]) as never);
  const log: RawLog = {
    address: contract.address,
    topics: topics.map((t) => t.toLowerCase()),
    data: data.toLowerCase(),
    blockNumber: 19_000_000,
    blockHash: `0x${'cd'.repeat(32)}`,
    transactionHash: TX,
    logIndex,
  };
  return ctxFor(contract, event, log, tx);
}

/** The decode context of a given log (real logs reconstructed from caches). */
export function ctxFor(contract: ContractEntry, event: EventDef, log: RawLog, tx?: TxInfo): DecodeContext {
  const chain = CHAIN[contract.chain];
  assert.ok(chain, `unknown chain ${contract.chain}`);
  return { chain: { name: contract.chain, ...chain }, contract, event, log, ...(tx ? { tx } : {}) };
}

/** Same log with its data cut by one byte (or one word for static layouts), an extra topic, or a topic dropped: each must throw DecodeError. */
export function malformed(ctx: DecodeContext): DecodeContext[] {
  const { log } = ctx;
  const variants: RawLog[] = [
    { ...log, data: log.data.slice(0, -2) },
    { ...log, topics: [...log.topics, `0x${'00'.repeat(32)}`] },
    { ...log, topics: log.topics.slice(0, -1) },
  ];
  // Static-layout events must also reject data one word short (the head is incomplete).
  if (log.data.length > 2 && !ctx.event.signature.includes('[]') && !/\b(bytes|string)\b/.test(ctx.event.signature)) {
    variants.push({ ...log, data: log.data.slice(0, log.data.length - 64) });
  }
  return variants.map((l) => ({ ...ctx, log: l }));
}

/** An address as 32-byte topic/word (left-padded). */
export function pad(address: string): Hex {
  return `0x${address.slice(2).toLowerCase().padStart(64, '0')}`;
}

/** Decodes with the registry's decoder of `ctx.event`. */
export async function decode(ctx: DecodeContext): Promise<FlowDraft[]> {
  const { DECODERS } = await import('./index.ts');
  const name = ctx.event.decoder;
  assert.ok(name, `${ctx.event.signature} has no decoder`);
  const d = DECODERS[name];
  assert.ok(d, `unknown decoder ${name}`);
  if (d.needsTx) assert.ok(ctx.tx, `${name} needs the transaction`);
  return d.decode(ctx);
}
