// Benchmark (not a test): the embedded daemon end to end. An anvil node gets N replayed events
// (USDT transfers, recorded Tornado events, registry bridge/Railgun samples) BEFORE timing; then
// `mixwatch run --roles ingest,sink` (a child process, in-process bus, chDB) indexes them and the
// clock stops when every expected flow is durable in ClickHouse. Also exports the prepared chain
// for the Ponder comparison. Runnable alone: `node --import tsx test/bench/embedded.ts`.
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDaemonInfo } from '@mixwatch/cli';
import { createTestCommon } from '@mixwatch/core';
import { decodeLogs } from '@mixwatch/ingest';
import { buildChainIndex } from '@mixwatch/registry';
import { createStore } from '@mixwatch/store';
import { stringify } from 'yaml';
import { type Anvil, startAnvil } from '../helpers/anvil.ts';
import { type ChildDaemon, tempDir, testConfig, waitFor } from '../helpers/daemon.ts';
import { benchStream, type CorpusLog, ETHEREUM, placeLogs } from './corpus.ts';
import { countLogs, replayFast } from './fast-replay.ts';
import type { BenchRow } from './types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A node with the benchmark events on it. */
export interface PreparedChain {
  anvil: Anvil;
  stream: CorpusLog[];
  firstBlock: number;
  lastBlock: number;
  /** Flows the registry decoders make of the stream (the ground truth count). */
  expectedFlows: number;
  replayMs: number;
}

/** Starts anvil (chain id 1) and replays `n` events (see {@link benchStream}) plus 70 empty blocks. */
export async function prepareChain(n: number, log: (s: string) => void = () => {}): Promise<PreparedChain> {
  const anvil = await startAnvil({ chainId: 1, timestamp: 1_600_000_000 });
  const index = buildChainIndex({ chain: 'ethereum' });
  const stream = benchStream(n, { index });
  const t0 = performance.now();
  let next = 0;
  const r = await replayFast(
    anvil,
    stream.map((c) => c.log),
    {
      startTime: 1_600_000_100,
      onProgress: (done) => {
        if (done >= next) {
          log(`replay: ${done}/${n} logs`);
          next += 50_000;
        }
      },
    },
  );
  // 70 empty blocks: Ponder treats chain id 1 as final only 65 blocks below the head.
  await anvil.rpc('anvil_mine', ['0x46']);
  const replayMs = performance.now() - t0;
  const onChain = await countLogs(anvil, r.firstBlock, r.lastBlock);
  if (onChain !== n) throw new Error(`prepareChain: ${onChain} logs on chain, expected ${n}`);
  const placed = placeLogs(stream, n);
  const { flows, deadLetters } = decodeLogs({ index, chain: ETHEREUM, ...placed, formatAddress: (a) => a });
  if (deadLetters.length) throw new Error(`prepareChain: ${deadLetters.length} stream logs do not decode`);
  return { anvil, stream, firstBlock: r.firstBlock, lastBlock: r.lastBlock, expectedFlows: flows.length, replayMs };
}

/** Peak resident set (VmHWM) of a process, bytes. */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * The node flags the daemon runs with, as its bin's shebang and `npm start` give them (the bench
 * starts `node <bin>` directly, so the shebang's flags would be lost). MIXWATCH_BENCH_NODE_FLAGS
 * (space-separated) replaces them, to compare flags on the same prepared node.
 */
export function daemonNodeFlags(): string[] {
  return (process.env.MIXWATCH_BENCH_NODE_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
}

/**
 * `mixwatch run` like {@link spawnDaemon}, with node flags before the script (`--cpu-prof` is
 * refused in NODE_OPTIONS) and from the checkout `root` (default this one: another checkout runs a
 * patched daemon against the same prepared node, for A/B comparisons).
 */
export function spawnMixwatch(parameters: {
  raw: Record<string, unknown>;
  args: string[];
  env?: Record<string, string>;
  nodeFlags?: string[];
  root?: string;
}): ChildDaemon {
  const dir = parameters.root ?? root;
  const configFile = join(String(parameters.raw.dataDir), `mixwatch-${Date.now()}.yaml`);
  writeFileSync(configFile, stringify(parameters.raw));
  const proc = spawn(
    process.execPath,
    [
      ...daemonNodeFlags(),
      ...(parameters.nodeFlags ?? []),
      join(dir, 'services/cli/bin/mixwatch.mjs'),
      'run',
      '--config',
      configFile,
      ...parameters.args,
    ],
    { cwd: dir, env: { ...process.env, ...(parameters.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  // MIXWATCH_BENCH_DAEMON_OUTPUT=<file>: the daemon's whole standard output is appended there
  // (with MIXWATCH_BENCH_NODE_FLAGS='--trace-opt --trace-deopt' or '--trace-gc', say).
  const keep = process.env.MIXWATCH_BENCH_DAEMON_OUTPUT;
  proc.stdout?.on('data', (c) => {
    if (keep) appendFileSync(keep, c);
    out = (out + String(c)).slice(-20_000);
  });
  proc.stderr?.on('data', (c) => {
    out = (out + String(c)).slice(-20_000);
  });
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')));
  return { proc, configFile, exited, output: () => out };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/**
 * CPU seconds per thread name of a process so far (/proc/<pid>/task/<tid>/stat; threads of one
 * pool share a name, e.g. chDB's `MergeMutate`; the main thread is `JS thread`; `node` is the
 * rest of Node's threads: libuv's pool, where chDB's inserts run, and V8's GC helpers).
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'JS thread' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {}
  }
  return out;
}

/** Process ids whose command line contains every one of `parts` (e.g. the anvil binary on a port). */
export function pidsOf(...parts: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ');
      if (parts.every((p) => cmd.includes(p))) out.push(Number(e));
    } catch {}
  }
  return out;
}

/**
 * Per-method sums of a Prometheus text exposition: `name{…method="x"…} v` → { x: v } (label `by`).
 * Lines of other metrics are skipped; a metric without the label sums under `''`.
 */
export function metricBy(text: string, name: string, by: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`${by}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const k = re.exec(line)?.[1] ?? '';
    out[k] = (out[k] ?? 0) + Number(line.split(' ').at(-1));
  }
  return out;
}

/**
 * The chain section of the benchmark config: mixwatch set up as the README advises for one
 * local node (the Ponder row reads the same node): 50-block getLogs ranges, JSON-RPC batches
 * of 16 with 16 calls in flight, one log read per range (`logReads: 2` guards against a
 * load-balanced provider whose backends disagree; one local node cannot, and Ponder reads once
 * too), and the request budget of the Ponder row (2 000 calls/s, each call of a batch counted).
 * MIXWATCH_BENCH_CHAIN (a JSON object) overrides any key, to compare settings on the same node
 * without editing this file (e.g. `{"logReads":2}`).
 */
export function benchChainConfig(chain: PreparedChain, url = chain.anvil.url): { url: string } & Record<string, unknown> {
  return {
    url,
    startBlock: chain.firstBlock,
    confirmations: 2,
    pollIntervalMs: 100,
    maxLogRange: 50,
    rpcRequestsPerSecond: 2000,
    rpcConcurrency: 32,
    rpcBatchSize: 16,
    logReads: 1,
    ...(process.env.MIXWATCH_BENCH_CHAIN ? (JSON.parse(process.env.MIXWATCH_BENCH_CHAIN) as Record<string, unknown>) : {}),
  };
}

/**
 * Runs the daemon (ingest + sink, embedded) over a prepared chain from its first block and
 * measures events/s (from the HTTP endpoint answering to the sink cursor reaching the last
 * replayed block with every flow stored) and its peak RSS. Checks the stored count afterwards.
 * Also reports where the time went: the daemon's own RPC counters by method and the sink's
 * insert time (from its /metrics), and the CPU seconds of the daemon and of the anvil node during
 * the timed part. MIXWATCH_BENCH_CPU_PROF=<dir>: the daemon writes a V8 CPU profile there
 * (`--cpu-prof`; open it in Chrome DevTools or speedscope).
 */
export async function benchEmbedded(
  chain: PreparedChain,
  options: {
    /** Run the daemon from this checkout (default: this one; env MIXWATCH_BENCH_ROOT). */
    root?: string;
    /** Extra environment of the daemon. */
    env?: Record<string, string>;
  } = {},
): Promise<BenchRow[]> {
  const tmp = tempDir('mixwatch-bench-e2e-');
  const n = chain.stream.length;
  const chainConfig = benchChainConfig(chain);
  const raw = testConfig({ dataDir: tmp.dir, chains: { ethereum: chainConfig } });
  const prof = process.env.MIXWATCH_BENCH_CPU_PROF;
  const d = spawnMixwatch({
    raw,
    args: ['--roles', 'ingest,sink'],
    env: { MIXWATCH_LOG_LEVEL: 'warn', ...(options.env ?? {}) },
    nodeFlags: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
    root: options.root ?? process.env.MIXWATCH_BENCH_ROOT,
  });
  const anvilPids = pidsOf('anvil-linux', `--port ${chain.anvil.port}`);
  try {
    const info = await waitFor('the daemon to write its info file', async () => readDaemonInfo(tmp.dir), 60_000, 20);
    await waitFor('the daemon HTTP endpoint', async () => (await fetch(`http://127.0.0.1:${info.port}/healthz`)).ok, 60_000, 20);
    const t0 = performance.now();
    const cpu0 = { daemon: cpuSeconds(d.proc.pid!), anvil: anvilPids.reduce((a, p) => a + cpuSeconds(p), 0), bench: process.cpuUsage() };
    const threads0 = threadCpuSeconds(d.proc.pid!);
    const metric = async (name: string, label = '') => {
      // Only the one metric: rendering all of them every 100 ms was ~4 % of the daemon's CPU.
      const text = await (await fetch(`http://127.0.0.1:${info.port}/metrics?name=${name}`)).text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(name) && line.includes(label)) sum += Number(line.split(' ').at(-1));
      return sum;
    };
    await waitFor(
      'every flow stored',
      async () => {
        const rows = await metric('mixwatch_store_insert_rows_total', 'table="flows"');
        const cursor = await metric('mixwatch_sink_cursor_block');
        if (process.env.MIXWATCH_BENCH_DEBUG)
          console.error(
            `${((performance.now() - t0) / 1000).toFixed(1)} s flows ${rows}/${chain.expectedFlows} sink cursor ${cursor}/${chain.lastBlock} ingest cursor ${await metric('mixwatch_ingest_cursor_block')}`,
          );
        return rows >= chain.expectedFlows && cursor >= chain.lastBlock;
      },
      20 * 60_000,
      // Each poll makes the daemon render two metrics (`/metrics?name=`); every 100 ms: ±50 ms
      // clock resolution.
      100,
    );
    const seconds = (performance.now() - t0) / 1000;
    const benchCpu = process.cpuUsage(cpu0.bench);
    const cpu = {
      daemon: cpuSeconds(d.proc.pid!) - cpu0.daemon,
      anvil: anvilPids.reduce((a, p) => a + cpuSeconds(p), 0) - cpu0.anvil,
      bench: (benchCpu.user + benchCpu.system) / 1e6,
    };
    // CPU of the timed part by thread name (threads that ended meanwhile are not counted).
    const threads = [...threadCpuSeconds(d.proc.pid!)]
      .map(([name, s]) => [name, s - (threads0.get(name) ?? 0)] as const)
      .filter(([, s]) => s >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', ');
    const metricsText = await (await fetch(`http://127.0.0.1:${info.port}/metrics`)).text();
    if (process.env.MIXWATCH_BENCH_DEBUG) console.error('done', seconds);
    const rss = peakRss(d.proc.pid!);
    d.proc.kill('SIGTERM');
    const code = await d.exited;
    if (code !== 0) throw new Error(`daemon exited with ${code}: ${d.output().slice(-2000)}`);
    const store = await createStore({ common: createTestCommon(), dataDir: tmp.dir });
    let stored: number;
    let ids: number;
    try {
      const [row] = await store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(flow_id) AS u FROM mixwatch.flows FINAL');
      stored = Number(row?.c);
      ids = Number(row?.u);
    } finally {
      await store.close();
    }
    if (stored !== chain.expectedFlows || ids !== stored)
      throw new Error(`bench embedded: stored ${stored} flows (${ids} ids), expected ${chain.expectedFlows}`);
    const eps = Math.round(n / seconds);
    const requests = metricBy(metricsText, 'mixwatch_rpc_requests_total', 'method');
    const rpcSeconds = metricBy(metricsText, 'mixwatch_rpc_request_duration_seconds_sum', 'method');
    const insertSeconds = metricBy(metricsText, 'mixwatch_store_insert_duration_seconds_sum', 'table');
    const insertCount = metricBy(metricsText, 'mixwatch_store_insert_duration_seconds_count', 'table');
    const splits = Object.values(metricBy(metricsText, 'mixwatch_rpc_getlogs_splits_total', 'chain')).reduce((a, b) => a + b, 0);
    const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
    const byMethod = Object.entries(requests)
      .sort((a, b) => b[1] - a[1])
      .map(([m, c]) => `${m} ${c} (${(rpcSeconds[m] ?? 0).toFixed(1)} s summed)`)
      .join(', ');
    const inserts = Object.entries(insertSeconds)
      .map(([t, s]) => `${t} ${insertCount[t] ?? 0} inserts ${s.toFixed(2)} s`)
      .join(', ');
    const overrides = process.env.MIXWATCH_BENCH_CHAIN ? ` overrides ${process.env.MIXWATCH_BENCH_CHAIN}` : '';
    return [
      {
        name: 'embedded.end_to_end',
        value: eps,
        unit: 'events/s',
        notes: `${n} events (${chain.lastBlock - chain.firstBlock + 1} blocks) -> ${stored} flows in chDB in ${seconds.toFixed(1)} s, mixwatch run --roles ingest,sink, maxLogRange ${chainConfig.maxLogRange}, rpcBatchSize ${chainConfig.rpcBatchSize}, rpcConcurrency ${chainConfig.rpcConcurrency}, logReads ${chainConfig.logReads}${overrides}`,
      },
      {
        name: 'embedded.rpc_requests',
        value: totalRequests,
        unit: 'requests',
        notes: `${(totalRequests / n).toFixed(3)} per event; ${byMethod}; getLogs splits ${splits}`,
      },
      {
        name: 'embedded.cpu',
        value: Math.round(cpu.daemon * 10) / 10,
        unit: 'CPU s (daemon)',
        notes: `during the ${seconds.toFixed(1)} s timed: daemon ${cpu.daemon.toFixed(1)} s (by thread: ${threads}), anvil ${cpu.anvil.toFixed(1)} s, bench process ${cpu.bench.toFixed(1)} s; store inserts: ${inserts || 'none'}`,
      },
      { name: 'embedded.peak_rss', value: Math.round(rss / 1024 / 1024), unit: 'MiB', notes: 'VmHWM of the daemon process' },
      {
        name: 'embedded.replay_prep',
        value: Math.round(n / (chain.replayMs / 1000)),
        unit: 'logs/s',
        notes: 'anvil replay before timing (batch emitter, JSON-RPC batches); not part of the measurement',
      },
    ];
  } finally {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    tmp.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? process.env.MIXWATCH_BENCH_EVENTS ?? 200_000);
  const chain = await prepareChain(n, console.log);
  try {
    for (const r of await benchEmbedded(chain)) console.log(`${r.name}\t${r.value}\t${r.unit}\t${r.notes ?? ''}`);
  } finally {
    await chain.anvil.stop();
  }
}
