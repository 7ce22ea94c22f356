// Prints the coverage table of docs/coverage.md (service × chain × decoded events) from
// data/contracts.json:  node --import tsx packages/registry/scripts/coverage-table.ts
import { allContracts } from '../src/registry.ts';

const CHAINS = ['ethereum', 'bsc', 'polygon', 'arbitrum', 'optimism', 'avalanche', 'gnosis', 'base', 'tron', 'ethereumclassic'];
const contracts = allContracts();
const services = [...new Set(contracts.map((c) => c.service))];
const out: string[] = [];
out.push(`| service | ${CHAINS.join(' | ')} | decoded events (decoder) | not decoded |`);
out.push(`|---|${CHAINS.map(() => '---:').join('|')}|---|---|`);
for (const s of services) {
  const mine = contracts.filter((c) => c.service === s);
  const cells = CHAINS.map((ch) => {
    const here = mine.filter((c) => c.chain === ch);
    if (!here.length) return '';
    const dec = here.filter((c) => c.events.some((e) => e.decoder)).length;
    return dec === here.length ? String(dec) : `${dec}/${here.length}`;
  });
  const decoded = new Map<string, string>();
  const skipped = new Set<string>();
  for (const c of mine)
    for (const e of c.events) {
      if (e.decoder) decoded.set(`${e.name}${e.variant ? ` (${e.variant})` : ''}`, e.decoder);
      else skipped.add(e.name);
    }
  for (const k of decoded.keys()) skipped.delete(k.split(' (')[0] ?? k);
  out.push(`| ${s} | ${cells.join(' | ')} | ${[...decoded].map(([n, d]) => `${n} \`${d}\``).join('<br>')} | ${[...skipped].join(', ')} |`);
}
console.log(out.join('\n'));
console.log(
  `\nCells: contracts with at least one decoded event / contracts in the registry on that chain. ${contracts.length} contracts, ${contracts.reduce((n, c) => n + c.events.filter((e) => e.decoder).length, 0)} decoded (address, event) pairs.`,
);
