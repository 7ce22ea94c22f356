// Benchmark (not a test): the same replayed events indexed by Ponder (npm `ponder`, viem-based)
// from the same anvil node into its embedded database (PGlite). The benchmark writes a Ponder
// project into a folder under bench-results/ (so `ponder` resolves from the repo's node_modules):
// one contract per replayed address with the ABI items of its events, startBlock/endBlock = the
// replayed range, and one indexing function per event that inserts one flow-like row.
//
// Fairness rules (the same for both rows, so `embedded_vs_ponder` compares like with like):
// - same node, same events: the PreparedChain of embedded.ts, indexed from its first replayed block
//   to its last one; nothing cached from an earlier run (fresh data folders; Ponder's RPC cache
//   off with `disableCache`).
// - same work per event: mixwatch stores one `flows` row per event with the decoded arguments,
//   the block time and, for Tornado deposits, the transaction's sender and value; Ponder's handler
//   inserts one row with the same facts (decoded args as JSON, block time, tx hash, log index,
//   tx.from, tx.value). Ponder reads every block with events (with its transactions) on its own.
// - same request budget: 2 000 requests/s to the node for both (mixwatch `rpcRequestsPerSecond`,
//   Ponder `maxRequestsPerSecond`); concurrency is each tool's own (mixwatch 32 calls in flight, Ponder's
//   default `rpcMaxConcurrency` 256).
// - same clock: start-up is excluded for both. t0 = the first answer of the tool's own HTTP health
//   route (mixwatch `/healthz` after its roles started; Ponder `/health`, served once the build and
//   migrations are done and its sync has started); t1 = everything durable and queryable (mixwatch:
//   every expected flow counted by the sink's insert counter and the sink cursor at the last block;
//   Ponder: `/ready` answers 200 — historical indexing done and flushed — and
//   `ponder_indexing_completed_events` = N). Both are polled every 100 ms.
// - same machine state: the runner runs them one after the other on the same node; the load average
//   is recorded with each row. CPU seconds of the indexer and of anvil during the timed part are
//   reported too, since wall time on a shared machine mostly measures the neighbours.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAbiItem } from 'abitype';
import { type AbiEvent, toEventSelector } from 'viem';
import { freePort } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/daemon.ts';
import type { PreparedChain } from './embedded.ts';
import { cpuSeconds, metricBy, peakRss, pidsOf } from './embedded.ts';
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
        `ponder.on('${name}:${sig}', async ({ event, context }) => {\n  await context.db.insert(event_row).values(row(event, '${name}', '${item.name}'));\n});`,
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
export const event_row = onchainTable('event_row', (t) => ({
  id: t.text().primaryKey(),
  contract: t.text().notNull(),
  name: t.text().notNull(),
  block: t.bigint().notNull(),
  block_time: t.bigint().notNull(),
  tx_hash: t.hex().notNull(),
  log_index: t.integer().notNull(),
  tx_from: t.hex().notNull(),
  tx_value: t.bigint().notNull(),
  args: t.text().notNull(),
}));
`,
  );
  writeFileSync(
    join(dir, 'src/index.ts'),
    `import { ponder } from 'ponder:registry';
import { event_row } from 'ponder:schema';
// One flow-like row per event: what mixwatch stores of it (decoded arguments, block time, the
// transaction's sender and value).
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
// biome-ignore lint/suspicious/noExplicitAny: generated code, one helper for every event type
const row = (event: any, contract: string, name: string) => ({
  id: event.id,
  contract,
  name,
  block: event.block.number,
  block_time: event.block.timestamp,
  tx_hash: event.transaction.hash,
  log_index: event.log.logIndex,
  tx_from: event.transaction.from,
  tx_value: event.transaction.value,
  args: json(event.args),
});
${handlers.join('\n')}
`,
  );
  return { contracts: byAddress.size, events };
}

/**
 * Runs `ponder start` on the generated project, measures events/s to /ready (see the clock rule
 * at the top), its peak RSS and CPU, and returns them with the ratio mixwatch/Ponder when the
 * embedded rate is given (target >= 10x). Start-up (Ponder's build with vite, PGlite, migrations)
 * may take minutes on a loaded machine: it waits up to MIXWATCH_BENCH_PONDER_START_MS (default
 * 600 000) and fails at once, with Ponder's last output, if Ponder exits.
 */
export async function benchPonder(
  chain: PreparedChain,
  embeddedRate?: number,
  /** CPU seconds of the mixwatch daemon during its timed part (embedded.cpu), for the CPU ratio. */
  embeddedCpuSeconds?: number,
): Promise<BenchRow[]> {
  const dir = join(root, 'bench-results', `ponder-${Date.now()}`);
  const shape = writePonderProject(chain, dir);
  let port = await freePort();
  const n = chain.stream.length;
  let out = '';
  const spawnedAt = performance.now();
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
  const onOutput = (d: Buffer) => {
    const text = String(d);
    out = (out + text).slice(-20_000);
    // Ponder moves to the next port when the one given is taken (a race with freePort).
    const moved = /trying port (\d+)/.exec(text);
    if (moved) port = Number(moved[1]);
  };
  proc.stdout?.on('data', onOutput);
  proc.stderr?.on('data', onOutput);
  const exited = new Promise<number | string>((r) => proc.once('exit', (c, s) => r(c ?? s ?? 'unknown')));
  const anvilPids = pidsOf('anvil-linux', `--port ${chain.anvil.port}`);
  try {
    // waitFor retries through errors, so a Ponder that exits is caught by racing its exit.
    const alive = async <T>(what: string, fn: () => Promise<T | undefined | false>, ms: number) =>
      Promise.race([
        waitFor(what, fn, ms, 100),
        exited.then((code) => {
          throw new Error(`ponder exited (${code}) before ${what}`);
        }),
      ]).catch((e) => {
        throw new Error(`${String(e).slice(0, 300)} | ponder output: ${out.replace(/\s+/g, ' ').slice(-1500)}`);
      });
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
    await alive(
      'ponder HTTP server',
      async () => (await get('/health').catch(() => undefined))?.ok,
      Number(process.env.MIXWATCH_BENCH_PONDER_START_MS ?? 600_000),
    );
    const t0 = performance.now();
    const startSeconds = (t0 - spawnedAt) / 1000;
    const cpu0 = { ponder: cpuSeconds(proc.pid!), anvil: anvilPids.reduce((a, p) => a + cpuSeconds(p), 0) };
    let metrics = '';
    let completed = 0;
    await alive(
      'ponder /ready with every event indexed',
      async () => {
        if ((await get('/ready')).status !== 200) return false;
        metrics = await (await get('/metrics')).text();
        completed = Object.values(metricBy(metrics, 'ponder_indexing_completed_events', 'event')).reduce((a, b) => a + b, 0);
        return completed >= n;
      },
      60 * 60_000,
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = {
      ponder: cpuSeconds(proc.pid!) - cpu0.ponder,
      anvil: anvilPids.reduce((a, p) => a + cpuSeconds(p), 0) - cpu0.anvil,
    };
    const rss = peakRss(proc.pid!);
    const rate = Math.round(n / seconds);
    const requests = metricBy(metrics, 'ponder_rpc_request_duration_count', 'method');
    const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
    const rows: BenchRow[] = [
      {
        name: 'ponder.end_to_end',
        value: rate,
        unit: 'events/s',
        notes: `ponder ${ponderVersion()} start, PGlite, ${shape.contracts} contracts / ${shape.events} handlers, ${completed} events indexed in ${seconds.toFixed(1)} s (start-up before the clock: ${startSeconds.toFixed(0)} s)`,
      },
      {
        name: 'ponder.rpc_requests',
        value: totalRequests,
        unit: 'requests',
        notes: `${(totalRequests / n).toFixed(3)} per event; ${Object.entries(requests)
          .sort((a, b) => b[1] - a[1])
          .map(([m, c]) => `${m} ${c}`)
          .join(', ')}`,
      },
      {
        name: 'ponder.cpu',
        value: Math.round(cpu.ponder * 10) / 10,
        unit: 'CPU s (ponder)',
        notes: `during the ${seconds.toFixed(1)} s timed: ponder ${cpu.ponder.toFixed(1)} s, anvil ${cpu.anvil.toFixed(1)} s`,
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
        notes: 'embedded.end_to_end / ponder.end_to_end, same anvil node and events, same clock rule (see test/bench/ponder.ts)',
      });
    if (embeddedCpuSeconds)
      rows.push({
        name: 'embedded_vs_ponder.cpu',
        value: Math.round((cpu.ponder / embeddedCpuSeconds) * 100) / 100,
        unit: 'x',
        notes:
          'CPU seconds per event, Ponder / mixwatch (indexer process only, timed part): less sensitive than wall time to other work on a shared machine',
      });
    return rows;
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) {
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
