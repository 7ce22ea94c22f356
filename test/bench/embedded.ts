// Benchmark (not a test): the embedded daemon end to end. An anvil node gets N replayed events
// (USDT transfers, recorded Tornado events, registry bridge/Railgun samples) BEFORE timing; then
// `mixwatch run --roles ingest,sink` (a child process, in-process bus, chDB) indexes them and the
// clock stops when every expected flow is durable in ClickHouse. Also exports the prepared chain
// for the Ponder comparison. Runnable alone: `node --import tsx test/bench/embedded.ts`.
import { readFileSync } from 'node:fs';
import { readDaemonInfo } from '@mixwatch/cli';
import { createTestCommon } from '@mixwatch/core';
import { decodeLogs } from '@mixwatch/ingest';
import { buildChainIndex } from '@mixwatch/registry';
import { createStore } from '@mixwatch/store';
import { type Anvil, startAnvil } from '../helpers/anvil.ts';
import { spawnDaemon, tempDir, testConfig, waitFor } from '../helpers/daemon.ts';
import { benchStream, type CorpusLog, ETHEREUM, placeLogs } from './corpus.ts';
import { countLogs, replayFast } from './fast-replay.ts';
import type { BenchRow } from './types.ts';

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
 * Runs the daemon (ingest + sink, embedded) over a prepared chain from its first block and
 * measures events/s (from the HTTP endpoint answering to the sink cursor reaching the last
 * replayed block with every flow stored) and its peak RSS. Checks the stored count afterwards.
 */
export async function benchEmbedded(chain: PreparedChain): Promise<BenchRow[]> {
  const tmp = tempDir('mixwatch-bench-e2e-');
  const n = chain.stream.length;
  const raw = testConfig({
    dataDir: tmp.dir,
    chains: {
      ethereum: {
        url: chain.anvil.url,
        startBlock: chain.firstBlock,
        confirmations: 2,
        pollIntervalMs: 100,
        maxLogRange: 20,
        rpcRequestsPerSecond: 2000,
        rpcConcurrency: 8,
      },
    },
  });
  const d = spawnDaemon(raw, { args: ['--roles', 'ingest,sink'], env: { MIXWATCH_LOG_LEVEL: 'warn' } });
  try {
    const info = await waitFor('the daemon to write its info file', async () => readDaemonInfo(tmp.dir), 60_000, 20);
    await waitFor('the daemon HTTP endpoint', async () => (await fetch(`http://127.0.0.1:${info.port}/healthz`)).ok, 60_000, 20);
    const t0 = performance.now();
    const metric = async (name: string, label = '') => {
      const text = await (await fetch(`http://127.0.0.1:${info.port}/metrics`)).text();
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
          console.error(`flows ${rows}/${chain.expectedFlows} sink cursor ${cursor}/${chain.lastBlock}`);
        return rows >= chain.expectedFlows && cursor >= chain.lastBlock;
      },
      20 * 60_000,
      50,
    );
    const seconds = (performance.now() - t0) / 1000;
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
    return [
      {
        name: 'embedded.end_to_end',
        value: eps,
        unit: 'events/s',
        notes: `${n} events (${chain.lastBlock - chain.firstBlock + 1} blocks) -> ${stored} flows in chDB in ${seconds.toFixed(1)} s, mixwatch run --roles ingest,sink`,
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
