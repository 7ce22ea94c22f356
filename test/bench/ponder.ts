// Benchmark (not a test): the same replayed events indexed by Ponder (npm `ponder`, viem-based)
// from the same anvil node into its embedded database (PGlite). The benchmark writes a Ponder
// project into a folder under bench-results/ (so `ponder` resolves from the repo's node_modules):
// one contract per replayed address with the ABI items of its events, endBlock = the last
// replayed block, and one indexing function per event that inserts one row. Clock: from Ponder's
// HTTP server answering to /ready (historical indexing done), the same start rule as mixwatch's.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAbiItem } from 'abitype';
import { type AbiEvent, toEventSelector } from 'viem';
import { freePort } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/daemon.ts';
import type { PreparedChain } from './embedded.ts';
import { peakRss } from './embedded.ts';
import type { BenchRow } from './types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Writes the Ponder project for the prepared chain; returns its folder and the number of handlers. */
export function writePonderProject(chain: PreparedChain, dir: string): { contracts: number; events: number } {
  const byAddress = new Map<string, Map<string, AbiEvent>>();
  for (const c of chain.stream) {
    const a = c.log.address.toLowerCase();
    let m = byAddress.get(a);
    if (!m) {
      m = new Map();
      byAddress.set(a, m);
    }
    m.set(toEventSelector(c.abi), c.abi);
  }
  const contracts: string[] = [];
  const handlers: string[] = [];
  let k = 0;
  let events = 0;
  for (const [address, abis] of byAddress) {
    const name = `C${k++}`;
    const items = [...abis.values()];
    contracts.push(
      `    ${name}: { network: 'anvil', abi: ${JSON.stringify(items)}, address: '${address}', startBlock: ${chain.firstBlock}, endBlock: ${chain.lastBlock} },`,
    );
    for (const item of items) {
      const overloaded = items.filter((i) => i.name === item.name).length > 1;
      // Ponder names overloaded events by their full signature with argument names.
      const sig = overloaded ? formatAbiItem(item).replace(/^event /, '') : item.name;
      handlers.push(
        `ponder.on('${name}:${sig}', async ({ event, context }) => {\n  await context.db.insert(event_row).values({ id: event.id, contract: '${name}', name: '${item.name}', block: event.block.number });\n});`,
      );
      events++;
    }
  }
  mkdirSync(join(dir, 'src/api'), { recursive: true });
  // Ponder 1.0 refuses to start without an API file; an empty Hono app serves nothing extra.
  writeFileSync(join(dir, 'src/api/index.ts'), "import { Hono } from 'hono';\nexport default new Hono();\n");
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mixwatch-bench-ponder', private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'ponder.config.ts'),
    `import { createConfig } from 'ponder';
import { http } from 'viem';
export default createConfig({
  database: { kind: 'pglite', directory: ${JSON.stringify(join(dir, '.ponder/pglite'))} },
  networks: { anvil: { chainId: ${chain.anvil.chainId}, transport: http('${chain.anvil.url}'), disableCache: true, maxRequestsPerSecond: 2000 } },
  contracts: {
${contracts.join('\n')}
  },
});
`,
  );
  writeFileSync(
    join(dir, 'ponder.schema.ts'),
    `import { onchainTable } from 'ponder';
export const event_row = onchainTable('event_row', (t) => ({ id: t.text().primaryKey(), contract: t.text().notNull(), name: t.text().notNull(), block: t.bigint().notNull() }));
`,
  );
  writeFileSync(
    join(dir, 'src/index.ts'),
    `import { ponder } from 'ponder:registry';
import { event_row } from 'ponder:schema';
${handlers.join('\n')}
`,
  );
  return { contracts: byAddress.size, events };
}

/**
 * Runs `ponder start` on the generated project, measures events/s to /ready and its peak RSS,
 * and returns them with the ratio mixwatch/Ponder when the embedded rate is given (target >= 10x).
 */
export async function benchPonder(chain: PreparedChain, embeddedRate?: number): Promise<BenchRow[]> {
  const dir = join(root, 'bench-results', `ponder-${Date.now()}`);
  const shape = writePonderProject(chain, dir);
  const port = await freePort();
  const n = chain.stream.length;
  let out = '';
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      join(root, 'node_modules/ponder/dist/esm/bin/ponder.js'),
      'start',
      '--root',
      dir,
      '--port',
      String(port),
      '--schema',
      'bench',
      '--log-format',
      'json',
    ],
    {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: '', DATABASE_PRIVATE_URL: '', PONDER_TELEMETRY_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout?.on('data', (d) => {
    out = (out + String(d)).slice(-20_000);
  });
  proc.stderr?.on('data', (d) => {
    out = (out + String(d)).slice(-20_000);
  });
  const exited = new Promise<number | string>((r) => proc.once('exit', (c, s) => r(c ?? s ?? 'unknown')));
  try {
    // waitFor retries through errors, so a Ponder that exits is caught by racing its exit.
    const alive = async <T>(what: string, fn: () => Promise<T | undefined | false>, ms: number) =>
      Promise.race([
        waitFor(what, fn, ms, 50),
        exited.then((code) => {
          throw new Error(`ponder exited (${code}) before ${what}`);
        }),
      ]).catch((e) => {
        throw new Error(`${String(e).slice(0, 300)} | ponder output: ${out.replace(/\s+/g, ' ').slice(-1500)}`);
      });
    await alive('ponder HTTP server', async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok, 180_000);
    const t0 = performance.now();
    const completedEvents = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      let sum = 0;
      for (const line of metrics.split('\n'))
        if (line.startsWith('ponder_indexing_completed_events')) sum += Number(line.split(' ').at(-1));
      return sum;
    };
    let completed = 0;
    await alive(
      'ponder /ready with every event indexed',
      async () => {
        if ((await fetch(`http://127.0.0.1:${port}/ready`)).status !== 200) return false;
        completed = await completedEvents();
        return completed >= n;
      },
      60 * 60_000,
    );
    const seconds = (performance.now() - t0) / 1000;
    const rss = peakRss(proc.pid!);
    const rate = Math.round(n / seconds);
    const rows: BenchRow[] = [
      {
        name: 'ponder.end_to_end',
        value: rate,
        unit: 'events/s',
        notes: `ponder ${ponderVersion()} start, PGlite, ${shape.contracts} contracts / ${shape.events} handlers, ${completed} events indexed in ${seconds.toFixed(1)} s`,
      },
      { name: 'ponder.peak_rss', value: Math.round(rss / 1024 / 1024), unit: 'MiB', notes: 'VmHWM of the ponder process' },
    ];
    if (completed !== n) rows[0]!.notes += ` (WARNING: ponder reports ${completed} of ${n} events)`;
    if (embeddedRate)
      rows.push({
        name: 'embedded_vs_ponder',
        value: Math.round((embeddedRate / rate) * 100) / 100,
        unit: 'x',
        target: '>= 10',
        pass: embeddedRate / rate >= 10,
        notes: 'embedded.end_to_end / ponder.end_to_end, same anvil node and events',
      });
    return rows;
  } finally {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    if (!process.env.MIXWATCH_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

function ponderVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules/ponder/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}
