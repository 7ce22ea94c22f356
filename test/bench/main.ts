// `npm run bench [-- name…]`: runs the selected benchmarks (default: all), prints ONE table
// (benchmark, value, unit, target, pass/fail, notes) and writes bench-results/<date>-<commit>.json.
// Benchmarks are not tests: nothing here is asserted by the test suite. Names: decode, embedded,
// ponder, kafka, latency, memory. Env: MIXWATCH_BENCH_EVENTS (embedded/ponder events, default 200000),
// MIXWATCH_BENCH_KAFKA_FLOWS (see kafka.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const ALL = ['decode', 'embedded', 'ponder', 'kafka', 'latency', 'memory'] as const;
type Name = (typeof ALL)[number];

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

/** Runs one benchmark; a failure becomes a row that says why instead of stopping the run. */
async function run(name: string, fn: () => Promise<BenchRow[]> | BenchRow[]): Promise<BenchRow[]> {
  const before = loadavg()[0]!.toFixed(1);
  log(`${name}: running (load average ${before})`);
  const t0 = performance.now();
  try {
    const rows = await fn();
    const after = loadavg()[0]!.toFixed(1);
    log(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${after})`);
    // The machine may be shared: every number carries the 1-minute load average around it.
    for (const r of rows) r.notes = `${r.notes ? `${r.notes}; ` : ''}load ${before}->${after}`;
    return rows;
  } catch (error) {
    const msg = error instanceof Error ? error.message : String(error);
    log(`${name}: FAILED: ${msg}`);
    return [{ name, value: Number.NaN, unit: '', notes: `did not run: ${msg.split('\n')[0]!.slice(0, 300)}` }];
  }
}

function table(rows: BenchRow[]): string {
  const head = ['benchmark', 'value', 'unit', 'target', 'result', 'notes'];
  const cells = rows.map((r) => [
    r.name,
    Number.isNaN(r.value) ? '-' : r.value.toLocaleString('en-US'),
    r.unit,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
    r.notes ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.slice().map((c) => (i === 5 ? 0 : c[i]!.length))));
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 5 ? x : x.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => '-'.repeat(i === 5 ? 7 : w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

const args = process.argv.slice(2).filter((a) => a !== '--');
const unknown = args.filter((a) => !(ALL as readonly string[]).includes(a));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')} (choose from: ${ALL.join(', ')})`);
  process.exit(2);
}
const selected = new Set<Name>((args.length ? args : ALL) as Name[]);
const events = Number(process.env.MIXWATCH_BENCH_EVENTS ?? 200_000);
const rows: BenchRow[] = [];
const startedAt = new Date();

if (selected.has('decode')) {
  const { benchDecode } = await import('./decode.ts');
  rows.push(...(await run('decode', () => benchDecode())));
}

if (selected.has('embedded') || selected.has('ponder')) {
  const { prepareChain, benchEmbedded } = await import('./embedded.ts');
  let chain: Awaited<ReturnType<typeof prepareChain>> | undefined;
  const prep = await run('prepare', async () => {
    log(`preparing anvil with ${events} replayed events (not timed)`);
    chain = await prepareChain(events, log);
    return [];
  });
  rows.push(...prep);
  let embeddedRate: number | undefined;
  let embeddedCpu: number | undefined;
  if (chain) {
    try {
      if (selected.has('embedded')) {
        const r = await run('embedded', () => benchEmbedded(chain!));
        embeddedRate = r.find((x) => x.name === 'embedded.end_to_end')?.value;
        embeddedCpu = r.find((x) => x.name === 'embedded.cpu')?.value;
        rows.push(...r);
      }
      if (selected.has('ponder')) {
        const { benchPonder } = await import('./ponder.ts');
        rows.push(...(await run('ponder', () => benchPonder(chain!, embeddedRate, embeddedCpu))));
      }
    } finally {
      await chain.anvil.stop();
    }
  }
}

if (selected.has('kafka')) {
  rows.push(
    ...(await run('kafka', () => {
      // Own process, as the sink role is in the scaled deployment: the consumer's heap (and GC)
      // is not the one that still holds the embedded and Ponder runs' chain.
      const p = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', join(root, 'test/bench/kafka.ts')], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (p.status !== 0) throw new Error(`kafka bench exited ${p.status ?? p.signal}: ${p.stderr.slice(-500)}`);
      return p.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t'))
        .filter((f) => f.length === 3)
        .map(([name, value, unit]): BenchRow => {
          const r = { name: name!, value: Number(value), unit: unit! };
          if (r.name !== 'kafka.end_to_end') return r;
          return {
            ...r,
            target: '>= 50000',
            pass: r.value >= 50_000,
            notes: 'publish -> real broker -> sink role -> chDB (B: test/bench/kafka.ts)',
          };
        });
    })),
  );
}

if (selected.has('latency')) {
  const { benchLatency } = await import('./latency.ts');
  rows.push(...(await run('latency', () => benchLatency())));
}

if (selected.has('memory')) {
  rows.push(
    ...(await run('memory', () => {
      // Own process with --expose-gc: the deltas are the detector state only.
      const p = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'test/bench/memory.ts')], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (p.status !== 0) throw new Error(`memory bench exited ${p.status}: ${p.stderr.slice(-500)}`);
      return JSON.parse(p.stdout.trim().split('\n').at(-1)!) as BenchRow[];
    })),
  );
}

let commit = 'unknown';
let dirty = false;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
} catch {}
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average at end ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}`;
console.log(`mixwatch bench @ ${commit}${dirty ? ' (work tree has uncommitted changes)' : ''} — ${startedAt.toISOString()} — ${machine}`);
console.log(table(rows));
const dir = join(root, 'bench-results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().slice(0, 10)}-${commit}.json`);
writeFileSync(file, `${JSON.stringify({ commit, dirty, startedAt: startedAt.toISOString(), machine, rows }, null, 2)}\n`);
console.log(`written ${file.slice(root.length + 1)}`);
