import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  for (const contract of contracts) {
    contractsByAddress.set(contract.address, contract);
    for (const event of contract.events) {
      if (!event.decoder) continue;
      const decoder = DECODERS[event.decoder];
      if (!decoder)
        throw new Error(`registry: ${contract.chain} ${contract.address} event ${event.signature} names unknown decoder ${event.decoder}`);
      routes.set(`${contract.address}:${event.topic0}`, { contract, event, decoder });
      addresses.add(contract.address);
      topic0s.add(event.topic0);
    }
  }
  return { chain: parameters.chain, routes, addresses: [...addresses], topic0s: [...topic0s], contractsByAddress };
}
