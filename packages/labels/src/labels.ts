import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@mixwatch/core';
import { allContracts } from '@mixwatch/registry';
import { CsvError, parseCsv } from './csv.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Label categories (the `category` column of `mixwatch.labels`). */
export const LABEL_CATEGORIES = [
  'sanctioned',
  'dprk_attributed',
  'watchlist',
  'exchange',
  'otc',
  'swap_service',
  'bridge',
  'mixer',
] as const;
export type LabelCategory = (typeof LABEL_CATEGORIES)[number];

/**
 * Categories whose addresses start taint: OFAC SDN, public DPRK attributions, and user
 * watchlists. The others name services (the Recommendation 11 view ranks them).
 */
export const TAINT_SOURCE_CATEGORIES: readonly LabelCategory[] = ['sanctioned', 'dprk_attributed', 'watchlist'];

/** One labelled address, as stored in `mixwatch.labels`. */
export interface Label {
  /** EVM: lowercase `0x…` (one key on every EVM chain); TRON: base58 `T…`. */
  address: string;
  /** Where the source saw it (`ethereum`, `tron`…); EVM labels apply on every EVM chain. */
  chain: string;
  label: string;
  category: LabelCategory;
  /** Where the fact comes from (URL at a commit, official release). Required. */
  source: string;
}

const EVM_RE = /^0x[0-9a-fA-F]{40}$/;
const TRON_RE = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

/**
 * The lookup key of an address: EVM lowercased (the same key controls it on every EVM chain),
 * TRON base58 unchanged. Returns undefined for anything else.
 */
export function labelKey(address: string): string | undefined {
  // Hot path (every flow, several times): an untrimmed 0x address checked without a regex.
  if (address.length === 42 && address.charCodeAt(0) === 48 && address.charCodeAt(1) === 120) {
    let lower = true;
    for (let i = 2; i < 42; i++) {
      const c = address.charCodeAt(i);
      if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) continue;
      if (c >= 65 && c <= 70) lower = false;
      else return undefined;
    }
    return lower ? address : address.toLowerCase();
  }
  const a = address.trim();
  if (EVM_RE.test(a)) return a.toLowerCase();
  if (TRON_RE.test(a)) return a;
  return undefined;
}

/**
 * Parses a labels CSV with the header `address,chain,label,category,source` (column order free,
 * extra columns ignored). Throws {@link ConfigError} naming the file and line of the first bad row:
 * unknown category, malformed address, missing source.
 */
export function parseLabelsCsv(text: string, file = 'labels.csv'): Label[] {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) throw new ConfigError(`${file}:${e.line}: ${e.message}`);
    throw e;
  }
  const header = records.shift();
  if (!header) throw new ConfigError(`${file}: empty file (expected the header address,chain,label,category,source)`);
  const cols = header.fields.map((h) => h.trim().toLowerCase());
  const idx = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new ConfigError(`${file}:1: missing column ${name} (expected the header address,chain,label,category,source)`);
    return i;
  };
  const ia = idx('address');
  const ic = idx('chain');
  const il = idx('label');
  const ik = idx('category');
  const is = idx('source');
  const out: Label[] = [];
  for (const { line, fields } of records) {
    const at = `${file}:${line}`;
    const get = (i: number) => (fields[i] ?? '').trim();
    const raw = get(ia);
    const address = labelKey(raw);
    if (!address) throw new ConfigError(`${at}: address ${JSON.stringify(raw)} is neither 0x + 40 hex digits nor a TRON base58 T… address`);
    const chain = get(ic).toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(chain))
      throw new ConfigError(`${at}: chain ${JSON.stringify(get(ic))} must be a chain name like ethereum or tron`);
    if (address.startsWith('T') !== (chain === 'tron')) {
      throw new ConfigError(`${at}: address ${raw} does not fit chain ${chain} (TRON addresses are base58 T…, other chains 0x…)`);
    }
    const category = get(ik).toLowerCase() as LabelCategory;
    if (!LABEL_CATEGORIES.includes(category)) {
      throw new ConfigError(`${at}: category ${JSON.stringify(get(ik))} is not one of ${LABEL_CATEGORIES.join(', ')}`);
    }
    const label = get(il);
    if (!label) throw new ConfigError(`${at}: label is empty`);
    const source = get(is);
    if (!source) throw new ConfigError(`${at}: source is empty (say where the fact comes from)`);
    out.push({ address, chain, label, category, source });
  }
  return out;
}

/** Reads and parses a labels CSV file (see {@link parseLabelsCsv}). */
export function readLabelsFile(path: string): Label[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read labels file ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseLabelsCsv(text, path);
}

const REGISTRY_CATEGORY: Record<string, LabelCategory | undefined> = { mixer: 'mixer', bridge: 'bridge', swap: 'swap_service' };

/**
 * The labels mixwatch ships: `data/labels.csv` (OFAC SDN and public DPRK attributions, each with
 * its source; generated by scripts/build-labels.ts from ../shared/data/labels) plus every
 * registry contract of a mixer, bridge or swap service as a service label (source: the registry's).
 */
export function builtinLabels(): Label[] {
  const shipped = parseLabelsCsv(readFileSync(join(here, '../data/labels.csv'), 'utf8'), 'packages/labels/data/labels.csv');
  const fromRegistry: Label[] = [];
  for (const c of allContracts()) {
    const category = REGISTRY_CATEGORY[c.category];
    const address = labelKey(c.chain === 'tron' ? (c.addressBase58 ?? '') : c.address);
    if (!category || !address) continue;
    fromRegistry.push({ address, chain: c.chain, label: `${c.serviceName}: ${c.label}`, category, source: c.source });
  }
  return mergeLabels([...shipped, ...fromRegistry]);
}

/**
 * One row per (address, chain, category): labels and sources of duplicates joined with ` || `
 * (the shape `mixwatch.labels` keeps, so loading twice changes nothing).
 */
export function mergeLabels(labels: Label[]): Label[] {
  const byKey = new Map<string, Label>();
  for (const l of labels) {
    const k = `${l.address}|${l.chain}|${l.category}`;
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, { ...l });
      continue;
    }
    if (!prev.label.split(' || ').includes(l.label)) prev.label = `${prev.label} || ${l.label}`;
    if (!prev.source.split(' || ').includes(l.source)) prev.source = `${prev.source} || ${l.source}`;
  }
  return [...byKey.values()];
}

/**
 * In-memory lookup used by detection: every label of an address key. An address that is both a
 * service contract (mixer/bridge) and on a sanctions list (the Tornado pools in the 2024 SDN list)
 * is treated as the service: it never starts taint, or every user of the pool would be tainted.
 */
export class LabelIndex {
  private readonly byKey = new Map<string, Label[]>();

  constructor(labels: Iterable<Label> = []) {
    for (const l of labels) this.add(l);
  }

  add(label: Label): void {
    const k = labelKey(label.address);
    if (!k) return;
    const list = this.byKey.get(k) ?? [];
    if (!list.some((x) => x.category === label.category && x.chain === label.chain && x.label === label.label)) list.push(label);
    this.byKey.set(k, list);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Labels of an address (any chain for EVM; TRON by base58). */
  get(address: string): Label[] {
    const k = labelKey(address);
    return (k && this.byKey.get(k)) || [];
  }

  /** The taint-source label of an address, if it starts taint (sanctioned, DPRK-attributed, watchlist). */
  taintSource(address: string): Label | undefined {
    const list = this.get(address);
    if (list.some((l) => l.category === 'mixer' || l.category === 'bridge')) return undefined;
    const order: LabelCategory[] = ['dprk_attributed', 'sanctioned', 'watchlist'];
    for (const c of order) {
      const l = list.find((x) => x.category === c);
      if (l) return l;
    }
    return undefined;
  }

  /** The service label (exchange, otc, swap_service, bridge, mixer) of an address, if any. */
  service(address: string): Label | undefined {
    return this.get(address).find((l) => !TAINT_SOURCE_CATEGORIES.includes(l.category));
  }

  /** Every taint-source address key. */
  taintSources(): string[] {
    return [...this.byKey.keys()].filter((k) => this.taintSource(k));
  }
}
