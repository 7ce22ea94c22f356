// Benchmark (not a test): alert latency of the embedded daemon, from the block being confirmed to
// the Slack POST arriving at the local Slack stand-in (C's test/helpers/slack.ts). The full daemon
// (`mixwatch run`, all four roles, in-process bus, chDB) follows an anvil node; each round replays
// one recorded Tornado 100 ETH deposit from the Harmony Horizon exploiter (a DPRK-attributed
// address, so `sanctioned_mixer_deposit` fires), mines the confirmation blocks, takes the time,
// and waits for the alert at the stand-in. Runnable alone: `node --import tsx test/bench/latency.ts`.
import { startAnvil } from '../helpers/anvil.ts';
import { spawnDaemon, tempDir, testConfig, waitFor } from '../helpers/daemon.ts';
import { tornadoCases } from '../helpers/fixtures.ts';
import { emitLog, mine } from '../helpers/replay.ts';
import { startSlackStandIn } from '../helpers/slack.ts';
import type { BenchRow } from './types.ts';

/** Options of {@link benchLatency}. */
export interface BenchLatencyParameters {
  /** Alerts to time. Default 30. */
  rounds?: number;
  /** Ingest poll interval, ms. Default 500. */
  pollIntervalMs?: number;
  /** Confirmations. Default 2. */
  confirmations?: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Measures p50/p95/p99 of confirmed-block → Slack-POST latency over `rounds` alerts. */
export async function benchLatency(parameters: BenchLatencyParameters = {}): Promise<BenchRow[]> {
  const rounds = parameters.rounds ?? 30;
  const confirmations = parameters.confirmations ?? 2;
  const pollIntervalMs = parameters.pollIntervalMs ?? 500;
  const anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
  const slack = await startSlackStandIn();
  const tmp = tempDir('mixwatch-bench-latency-');
  const cases = tornadoCases({ deposits: rounds + 1, withdrawals: 0 });
  const start = Number(await anvil.rpc<string>('eth_blockNumber'));
  const d = spawnDaemon(
    testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: anvil.url, confirmations, pollIntervalMs, startBlock: start } } }),
    { env: { MIXWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl('BENCH-TOKEN'), MIXWATCH_LOG_LEVEL: process.env.MIXWATCH_BENCH_LOG ?? 'warn' } },
  );
  const isAlert = (body: string) => body.includes('sanctioned_mixer_deposit');
  try {
    // Warm-up: the first alert also pays for start-up; it is not timed.
    await emitLog(anvil, cases[0]!.log);
    await mine(anvil, confirmations);
    await waitFor(
      'the warm-up alert at the Slack stand-in',
      async () => slack.delivered().some((r) => isAlert(r.body)),
      Number(process.env.MIXWATCH_BENCH_WARMUP_MS ?? 120_000),
      20,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; daemon output: ${d.output().slice(-1500)}`);
    });
    const latencies: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      const seen = slack.delivered().filter((r) => isAlert(r.body)).length;
      await emitLog(anvil, cases[i]!.log);
      await mine(anvil, confirmations);
      const confirmedAt = performance.timeOrigin + performance.now();
      await waitFor(
        `alert ${i} at the Slack stand-in`,
        async () => slack.delivered().filter((r) => isAlert(r.body)).length > seen,
        60_000,
        5,
      );
      const req = slack.delivered().filter((r) => isAlert(r.body))[seen]!;
      latencies.push(req.at - confirmedAt);
      // Let notify's pacing window pass so each alert is timed on its own.
      await new Promise((r) => setTimeout(r, 1200));
    }
    latencies.sort((a, b) => a - b);
    const ms = (v: number) => Math.round(v);
    const note = `${rounds} alerts, mixwatch run (all roles, embedded), confirmations ${confirmations}, pollIntervalMs ${pollIntervalMs}`;
    return [
      { name: 'alert_latency.embedded.p50', value: ms(pct(latencies, 50)), unit: 'ms', notes: note },
      {
        name: 'alert_latency.embedded.p95',
        value: ms(pct(latencies, 95)),
        unit: 'ms',
        target: '<= 2000',
        pass: pct(latencies, 95) <= 2000,
      },
      { name: 'alert_latency.embedded.p99', value: ms(pct(latencies, 99)), unit: 'ms', notes: `max ${ms(latencies.at(-1)!)} ms` },
    ];
  } finally {
    if (d.proc.exitCode === null) {
      d.proc.kill('SIGTERM');
      await d.exited;
    }
    await slack.close();
    await anvil.stop();
    tmp.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchLatency({ rounds: Number(process.argv[2] ?? 30) }))
    console.log(`${r.name}\t${r.value}\t${r.unit}\t${r.notes ?? ''}`);
}
