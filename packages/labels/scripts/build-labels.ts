/**
 * Generates packages/labels/data/labels.csv from the research data (../shared/data/labels/all_labels.csv,
 * one row per address and chain, sources kept verbatim) and assigns each row a category:
 * - `mixer`: Tornado Cash contracts of the 2024-09 SDN list that the 2025-12 list no longer has
 *   (delisting, March 2025) — infrastructure, not a taint source;
 * - `bridge`: the drained Ronin bridge contract (a victim, not an actor);
 * - `dprk_attributed`: the source attributes it to DPRK (Lazarus, TraderTraitor, APT38);
 * - `sanctioned`: every other OFAC SDN address.
 * Omni-layer Bitcoin addresses of the USDT SDN tag are skipped (the monitor is EVM/TRON only).
 * Usage: node --import tsx packages/labels/scripts/build-labels.ts [path/to/all_labels.csv]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvField, parseCsv } from '../src/csv.ts';
import { type LabelCategory, labelKey } from '../src/labels.ts';

const here = dirname(fileURLToPath(import.meta.url));
const input = process.argv[2] ?? join(here, '../../../../shared/data/labels/all_labels.csv');
const records = parseCsv(readFileSync(input, 'utf8'));
const header = records.shift()?.fields ?? [];
const col = (n: string) => header.indexOf(n);

function categorize(label: string): LabelCategory {
  if (/absent from 2025-12 list \(consistent with Tornado Cash delisting/.test(label) && !/LAZARUS|DPRK/i.test(label)) return 'mixer';
  if (/^Victim contract/.test(label)) return 'bridge';
  if (/DPRK|Lazarus|TraderTraitor|APT38/i.test(label)) return 'dprk_attributed';
  return 'sanctioned';
}

const lines = ['address,chain,label,category,source'];
const skipped: string[] = [];
for (const { line, fields } of records) {
  const address = labelKey(fields[col('address')] ?? '');
  // The USDT SDN tag also lists Omni-layer Bitcoin addresses (1…/3…); the monitor is EVM/TRON only.
  if (!address) {
    skipped.push(`${input}:${line}: ${fields[col('address')]} (not an EVM or TRON address)`);
    continue;
  }
  const label = fields[col('label')] ?? '';
  lines.push([address, fields[col('chain')] ?? '', label, categorize(label), fields[col('source')] ?? ''].map(csvField).join(','));
}
const out = join(here, '../data/labels.csv');
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length - 1} labels to ${out}; skipped ${skipped.length}:\n  ${skipped.join('\n  ')}`);
