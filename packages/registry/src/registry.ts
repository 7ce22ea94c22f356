import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressTopic } from './abi.ts';
import { DECODERS } from './decoders/index.ts';
import type { ContractEntry, Decoder, EventDef } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));

let cached: ContractEntry[] | undefined;

/** Every contract in `data/contracts.json` (all chains), each with its source. */
export function allContracts(): ContractEntry[] {
  cached ??= (JSON.parse(readFileSync(join(here, '../data/contracts.json'), 'utf8')) as { contracts: ContractEntry[] }).contracts;
  return cached;
}

/** What the ingest dispatches a log to. */
export interface Route {
  contract: ContractEntry;
  event: EventDef;
  decoder: Decoder;
}

/**
 * The dispatch table of one chain: (address, topic0) → one-event decoder, plus the address and
 * topic0 lists for the `eth_getLogs` filter.
 */
export interface ChainIndex {
  chain: string;
  routes: Map<string, Route>;
  /** Watched contract addresses (lowercase), for the getLogs `address` filter. */
  addresses: string[];
  /** topic0 values with a decoder on this chain, for the getLogs `topics[0]` filter. */
  topic0s: string[];
  contractsByAddress: Map<string, ContractEntry>;
  /**
   * Extra `eth_getLogs` filters for watched addresses that emit nothing themselves (Avalanche
   * Bridge custody EOA): logs of `address` (token contracts) with `topics` (topic0, then topic1 or
   * topic2 = the watched address). These token addresses are NOT in `addresses`, because fetching
   * every Transfer of WETH/USDC would be millions of logs; the ingest issues these filters as
   * separate getLogs calls and dispatches the results through `routes` like any other log.
   */
  topicFilters: TopicFilter[];
}

/**
 * One extra `eth_getLogs` filter: `address` any of these contracts; `topics[i]` a value, a list
 * of alternatives (OR), or null (any) — the JSON-RPC `topics` semantics.
 */
export interface TopicFilter {
  address: string[];
  topics: Array<string | string[] | null>;
}

/** Options of {@link buildChainIndex}. */
export interface BuildChainIndexParameters {
  chain: string;
  /** Restrict to these service slugs. */
  services?: string[] | undefined;
  /** Replace the built-in contracts (tests, custom deployments). */
  contracts?: ContractEntry[];
}

/** Builds the dispatch table for a chain. Key: `${address}:${topic0}`, both lowercase. */
export function buildChainIndex(parameters: BuildChainIndexParameters): ChainIndex {
  const contracts = (parameters.contracts ?? allContracts()).filter(
    (c) => c.chain === parameters.chain && (!parameters.services || parameters.services.includes(c.service)),
  );
  const routes = new Map<string, Route>();
  const addresses = new Set<string>();
  const topic0s = new Set<string>();
  const contractsByAddress = new Map<string, ContractEntry>();
  const topicFilters: TopicFilter[] = [];
  const watched: Array<{ contract: ContractEntry; event: EventDef; decoder: Decoder }> = [];
  for (const contract of contracts) {
    contractsByAddress.set(contract.address, contract);
    for (const event of contract.events) {
      if (!event.decoder) continue;
      const decoder = DECODERS[event.decoder];
      if (!decoder)
        throw new Error(`registry: ${contract.chain} ${contract.address} event ${event.signature} names unknown decoder ${event.decoder}`);
      if (contract.watch) {
        watched.push({ contract, event, decoder });
        continue;
      }
      routes.set(`${contract.address}:${event.topic0}`, { contract, event, decoder });
      addresses.add(contract.address);
      topic0s.add(event.topic0);
    }
  }
  // Watched addresses are reached through the token contracts' logs; where a token is itself a
  // watched contract (USDT) both decoders run on the same log.
  for (const w of watched) {
    const tokens = w.contract.watch?.tokens ?? [];
    const padded = addressTopic(w.contract.address);
    topicFilters.push({ address: tokens, topics: [w.event.topic0, padded] }, { address: tokens, topics: [w.event.topic0, null, padded] });
    for (const token of tokens) {
      const key = `${token}:${w.event.topic0}`;
      const own: Route = { contract: w.contract, event: w.event, decoder: w.decoder };
      const existing = routes.get(key);
      routes.set(key, existing ? { ...existing, decoder: combine(existing, own) } : own);
    }
  }
  return { chain: parameters.chain, routes, addresses: [...addresses], topic0s: [...topic0s], contractsByAddress, topicFilters };
}

/** One decoder running two routes on the same log; the second one's flows carry their own service. */
function combine(first: Route, second: Route): Decoder {
  return {
    name: `${first.decoder.name}+${second.decoder.name}`,
    needsTx: first.decoder.needsTx || second.decoder.needsTx,
    decode(ctx) {
      const out = first.decoder.decode(ctx);
      const more = second.decoder.decode({ ...ctx, contract: second.contract, event: second.event });
      // Hot path (every USDT Transfer on Ethereum): the second route usually yields nothing.
      for (let i = 0; i < more.length; i++) {
        const f = more[i]!;
        out.push({ service: second.contract.service, category: second.contract.category, ...f });
      }
      return out;
    },
  };
}
