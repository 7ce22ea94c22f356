// Benchmark (not a test): memory of the detector holding 1 million tainted addresses (its taint
// map, services/detect Detector.taint, filled through loadTaint as at a restart). Run in its own
// process with --expose-gc so the numbers are this state only: `node --expose-gc --import tsx
// test/bench/memory.ts [count]` prints one JSON line; main.ts spawns it.
import { detectConfigSchema } from '@mixwatch/config';
import { createDetector, type Taint } from '@mixwatch/detect';
import type { BenchRow } from './types.ts';

const gc = (globalThis as { gc?: () => void }).gc;

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage();
}

const hex = (i: number, salt: number, len: number) => {
  const h = `${(i >>> 0).toString(16).padStart(8, '0')}${salt.toString(16).padStart(4, '0')}`;
  return h.repeat(Math.ceil(len / h.length)).slice(0, len);
};

/**
 * Builds a detector, loads `count` taint rows shaped like the store's (distinct address, flow id,
 * tx hash, a 2-hop path from a labelled origin) in batches of 10k so only the detector keeps them,
 * and reports the heapUsed and RSS growth per million and per address.
 */
export function benchMemory(count = 1_000_000): BenchRow[] {
  if (!gc) throw new Error('memory bench needs node --expose-gc');
  const detector = createDetector({ config: detectConfigSchema.parse({}), labels: [], now: () => 0 });
  const before = settle();
  const origin = '0x098b716b8aaf21512996dc57eb0615e2383e2f96';
  for (let b = 0; b < count; b += 10_000) {
    const rows: Taint[] = [];
    for (let i = b; i < Math.min(count, b + 10_000); i++) {
      const address = `0x${hex(i, 0xa11, 40)}`;
      const tx = `0x${hex(i, 0x7e, 64)}`;
      rows.push({
        address,
        chain: 'ethereum',
        score: 0.9,
        hops: 2,
        origin,
        origin_label: 'Lazarus Group (OFAC SDN)',
        path: [origin, `0x${hex(i, 0xb0b, 40)}`, address],
        via: 'transfer' as Taint['via'],
        heuristic: 'direct transfer',
        flow_id: `1:${tx}:3:0`,
        tx_hash: tx,
        block_time: 1_700_000_000 + i,
        flow_chain_id: 1,
        block_number: 19_000_000 + (i >> 6),
      });
    }
    detector.loadTaint(rows);
  }
  const after = settle();
  if (detector.taint.size !== count) throw new Error(`memory bench: detector holds ${detector.taint.size} of ${count}`);
  const heap = after.heapUsed - before.heapUsed;
  const rss = after.rss - before.rss;
  const m = count / 1_000_000;
  return [
    {
      name: 'detect.memory_1m_tainted.heap',
      value: Math.round(heap / 1024 / 1024 / m),
      unit: 'MiB',
      notes: `heapUsed delta for ${count} tainted addresses (${Math.round(heap / count)} B each, 2-hop path kept)`,
    },
    { name: 'detect.memory_1m_tainted.rss', value: Math.round(rss / 1024 / 1024 / m), unit: 'MiB', notes: 'RSS delta, same run' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(benchMemory(Number(process.argv[2] ?? 1_000_000))));
}
