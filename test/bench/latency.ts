// Benchmark (not a test): alert latency, from the block being confirmed to the Slack POST arriving
// at the local Slack stand-in (test/helpers/slack.ts). The daemon follows an anvil node; each round
// replays one recorded Tornado 100 ETH deposit sent by a different DPRK-attributed address of the
// shipped labels (so `sanctioned_mixer_deposit` fires, and every alert is the first of its digest
// key: a repeat of the same rule/chain/address inside notify.digest.windowSec is held for a digest
// by design, which is not what this measures), mines the confirmation blocks, takes the time, and
// waits for the POST that carries the round's transaction hash.
//
// Two deployments:
// - embedded: one `mixwatch run` (all four roles, in-process bus, chDB);
// - kafka: `mixwatch run --roles ingest|sink|detect|notify` as four processes (own chDB folder
//   each) over a real single-node broker (test/helpers/kafka.ts).
//
// Clock: t0 = `anvil_mine` of the last confirmation block returned (the block is confirmed at the
// node); t1 = arrival of the POST at the stand-in (same process clock). Start-up is not timed: the
// first (warm-up) alert also pays for it. Between rounds the bench waits 1.1 s (notify's pacing of
// one message per second per webhook) plus a random part of one ingest poll interval, so the
// confirmation lands at a uniformly random phase of the daemon's poll loop. A round starts only
// after the stand-in has been quiet for 1.1 s, so an alert is never paced behind the previous
// round's other messages.
//
// Runnable alone: `node --import tsx test/bench/latency.ts [rounds] [embedded|kafka|both]`.
// Env: MIXWATCH_BENCH_LOG (daemon log level, default info), MIXWATCH_BENCH_POLL_MS (ingest poll
// interval, default 500), MIXWATCH_BENCH_WARMUP_MS (warm-up alert timeout, default 180 000).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '@mixwatch/core';
import { builtinLabels } from '@mixwatch/labels';
import { type Anvil, startAnvil } from '../helpers/anvil.ts';
import { type ChildDaemon, runCli, spawnDaemon, tempDir, testConfig, waitFor } from '../helpers/daemon.ts';
import { tornadoCases } from '../helpers/fixtures.ts';
import { emitLog, mine } from '../helpers/replay.ts';
import { type SlackStandIn, startSlackStandIn } from '../helpers/slack.ts';
import type { BenchRow } from './types.ts';

/** Options of {@link benchLatency}. */
export interface BenchLatencyParameters {
  /** Alerts to time per deployment. Default 30. */
  rounds?: number;
  /** Ingest poll interval, ms. Default 500 (env MIXWATCH_BENCH_POLL_MS). The shipped Ethereum default is 4 000. */
  pollIntervalMs?: number;
  /** Confirmations. Default 2. */
  confirmations?: number;
  /** Which deployments. Default both. */
  modes?: Array<'embedded' | 'kafka'>;
  log?: (s: string) => void;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

/** DPRK-attributed Ethereum addresses of the shipped labels that are not registry contracts. */
function attributedSenders(n: number): string[] {
  const out = builtinLabels()
    .filter((l) => l.chain === 'ethereum' && l.category === 'dprk_attributed' && !l.label.includes('registry:'))
    .map((l) => l.address)
    .sort();
  if (out.length < n) throw new Error(`bench latency: ${out.length} attributed addresses, need ${n}`);
  return out.slice(0, n);
}

/** The daemon's port from `daemon.json` in its data folder. */
function portOf(dataDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8')) as { port: number }).port;
  } catch {
    return undefined;
  }
}

/** The metrics that tell where an alert is stuck (for failure messages). */
async function pipelineMetrics(port: number | undefined): Promise<string> {
  if (!port) return 'no daemon.json';
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    return text
      .split('\n')
      .filter((l) =>
        /^mixwatch_(ingest_(head|cursor|lag_blocks|flows_total)|detect_alerts_total|notify_|bus_consumer_lag|dlq_items_total|store_errors_total)/.test(
          l,
        ),
      )
      .join('; ')
      .slice(0, 1500);
  } catch (error) {
    return `metrics unavailable: ${String(error)}`;
  }
}

interface Deployment {
  /** Child processes; `processes[i].dataDir` holds its daemon.json. */
  processes: Array<{ role: string; child: ChildDaemon; dataDir: string }>;
  /** The process whose store holds `mixwatch.alerts` (the one running the sink role). */
  alertsIn: ChildDaemon;
  stop(): Promise<void>;
}

/** One timed alert. */
interface Round {
  txHash: string;
  /** The last confirmation block mined (ms since the epoch). */
  confirmedAt: number;
  /** The POST arrived at the stand-in. */
  postedAt: number;
  /** `created_at` of the alert (detect's clock, ms), when it could be read back. */
  createdAt?: number;
}

/**
 * Fills `createdAt` from `mixwatch.alerts` (through `mixwatch sql` against the running process):
 * splits each latency into confirmed → alert created (ingest poll wait, range fetch, bus, detect)
 * and alert created → POST (bus, notify intake and outbox, delivery).
 */
async function readCreatedAt(deployment: Deployment, rounds: Round[]): Promise<void> {
  const r = await runCli(
    [
      'sql',
      "SELECT tx_hash, toUnixTimestamp64Milli(created_at) AS c FROM mixwatch.alerts FINAL WHERE rule = 'sanctioned_mixer_deposit'",
      '--format',
      'JSONEachRow',
      '--config',
      deployment.alertsIn.configFile,
    ],
    { timeoutMs: 120_000 },
  );
  if (r.code !== 0) throw new Error(`mixwatch sql exited ${r.code}: ${r.stderr.slice(-300)}`);
  const byTx = new Map<string, number>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const row = JSON.parse(line) as { tx_hash: string; c: string | number };
    byTx.set(row.tx_hash.toLowerCase(), Number(row.c));
  }
  for (const x of rounds) x.createdAt = byTx.get(x.txHash.toLowerCase());
}

async function stopChild(c: ChildDaemon): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGTERM');
  const t = setTimeout(() => c.proc.kill('SIGKILL'), 20_000);
  await c.exited;
  clearTimeout(t);
}

/**
 * Times `rounds` alerts on a running deployment. The warm-up alert is sent first; its wait
 * includes start-up (roles subscribing, the broker's group joins) and is not timed.
 */
async function timeRounds(parameters: {
  mode: string;
  anvil: Anvil;
  slack: SlackStandIn;
  deployment: Deployment;
  rounds: number;
  confirmations: number;
  pollIntervalMs: number;
  log: (s: string) => void;
}): Promise<Round[]> {
  const { anvil, slack, deployment, rounds, confirmations, pollIntervalMs, log, mode } = parameters;
  const senders = attributedSenders(rounds + 1);
  const cases = tornadoCases({ deposits: rounds + 1, withdrawals: 0 });
  const diagnose = async (what: string, error: unknown) => {
    const parts = await Promise.all(
      deployment.processes.map(
        async (p) =>
          `[${p.role}] exit ${p.child.proc.exitCode ?? p.child.proc.signalCode ?? 'running'}; metrics: ${await pipelineMetrics(portOf(p.dataDir))}; log tail: ${p.child
            .output()
            .slice(-1200)}`,
      ),
    );
    return new Error(
      `${mode}: ${what}: ${(error as Error).message}; slack requests ${slack.requests.length}; ${parts.join(' || ')}`.slice(0, 8000),
    );
  };
  const alertFor = (txHash: string) => () =>
    slack.delivered().find((r) => r.body.includes('sanctioned_mixer_deposit') && r.body.includes(txHash.toLowerCase()));
  // Every process must be up (its HTTP endpoint answering) before the warm-up.
  const t0 = now();
  await waitFor(
    'every role process up',
    async () => {
      for (const p of deployment.processes) {
        if (p.child.proc.exitCode !== null) throw new Error(`${p.role} exited ${p.child.proc.exitCode}`);
        const port = portOf(p.dataDir);
        if (!port || !(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok) return false;
      }
      return true;
    },
    300_000,
    100,
  ).catch(async (e) => {
    throw await diagnose('start-up', e);
  });
  log(`latency ${mode}: processes up in ${Math.round(now() - t0)} ms`);
  const warm = await emitLog(anvil, { ...cases[0]!.log, from: senders[0]! });
  await mine(anvil, confirmations);
  const w0 = now();
  await waitFor(
    'the warm-up alert at the Slack stand-in',
    async () => alertFor(warm.txHash)(),
    Number(process.env.MIXWATCH_BENCH_WARMUP_MS ?? 180_000),
    20,
  ).catch(async (e) => {
    throw await diagnose('warm-up', e);
  });
  log(`latency ${mode}: warm-up alert after ${Math.round(now() - w0)} ms`);
  const timed: Round[] = [];
  for (let i = 1; i <= rounds; i++) {
    // Start when the webhook has been quiet for notify's pacing interval (1 s): other rules firing on
    // the previous deposit (service_consistency, denomination_burst) go out 1 s after its alert, and a
    // round started right behind them would time the pacing instead of the pipeline.
    for (;;) {
      const last = Math.max(0, ...slack.requests.map((r) => r.at));
      const quiet = now() - last;
      if (quiet >= 1_100) break;
      await sleep(1_100 - quiet);
    }
    await sleep(Math.random() * pollIntervalMs);
    const r = await emitLog(anvil, { ...cases[i]!.log, from: senders[i]! });
    await mine(anvil, confirmations);
    const confirmedAt = now();
    const req = await waitFor(`alert ${i} at the Slack stand-in`, async () => alertFor(r.txHash)(), 60_000, 2).catch(async (e) => {
      throw await diagnose(`round ${i}`, e);
    });
    timed.push({ txHash: r.txHash, confirmedAt, postedAt: req.at });
  }
  await readCreatedAt(deployment, timed).catch((e) => log(`latency ${mode}: no per-stage split (${String(e).slice(0, 200)})`));
  // Other messages at the stand-in (other rules firing on the same deposits, digests): notify
  // paces one POST per second per webhook, so a timed alert right behind one of them waits.
  const timedAt = new Set(timed.map((t) => t.postedAt));
  const others = slack.delivered().filter((r) => !timedAt.has(r.at));
  const byRule = new Map<string, number>();
  for (const r of others) {
    const rule = RULES.find((x) => r.body.includes(x)) ?? 'other';
    byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
  }
  // notify's pacing interval is 1 s per webhook (plus the previous POST's own duration).
  const paced = timed.filter((t) => others.some((r) => r.at < t.postedAt && r.at > t.postedAt - 1_250)).length;
  log(
    `latency ${mode}: ${others.length} other POSTs (${[...byRule].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}); ${paced} timed alerts went out right behind another POST (within 1.25 s: paced)`,
  );
  return Object.assign(timed, { others: others.length, byRule, paced });
}

function rowsOf(mode: 'embedded' | 'kafka', rounds: Round[], note: string, targetMs: number): BenchRow[] {
  const ms = (v: number) => Math.round(v);
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const latencies = sorted(rounds.map((r) => r.postedAt - r.confirmedAt));
  const p95 = pct(latencies, 95);
  const split = rounds.filter((r) => r.createdAt !== undefined);
  const stages =
    split.length > 0
      ? (() => {
          const detect = sorted(split.map((r) => r.createdAt! - r.confirmedAt));
          const notify = sorted(split.map((r) => r.postedAt - r.createdAt!));
          return `; stages over ${split.length} alerts: confirmed -> alert created (ingest poll wait, fetch, detect) p50 ${ms(pct(detect, 50))} / p95 ${ms(pct(detect, 95))} ms, alert created -> POST (notify) p50 ${ms(pct(notify, 50))} / p95 ${ms(pct(notify, 95))} ms`;
        })()
      : '';
  return [
    { name: `alert_latency.${mode}.p50`, value: ms(pct(latencies, 50)), unit: 'ms', notes: `${note}${stages}` },
    { name: `alert_latency.${mode}.p95`, value: ms(p95), unit: 'ms', target: `<= ${targetMs}`, pass: p95 <= targetMs },
    {
      name: `alert_latency.${mode}.p99`,
      value: ms(pct(latencies, 99)),
      unit: 'ms',
      notes: `min ${ms(latencies[0]!)} ms, max ${ms(latencies.at(-1)!)} ms`,
    },
  ];
}

/** MIXWATCH_BENCH_CONFIG: a JSON object merged into the daemon config (e.g. `{"notify":{"pollIntervalMs":200}}`), to compare settings. */
function extraConfig(): Record<string, unknown> {
  return process.env.MIXWATCH_BENCH_CONFIG ? (JSON.parse(process.env.MIXWATCH_BENCH_CONFIG) as Record<string, unknown>) : {};
}

/** The chain section both deployments use. */
function chainConfig(anvil: Anvil, start: number, confirmations: number, pollIntervalMs: number) {
  return { url: anvil.url, confirmations, pollIntervalMs, startBlock: start };
}

/** Measures p50/p95/p99 of confirmed-block → Slack-POST latency (embedded, then Kafka). */
export async function benchLatency(parameters: BenchLatencyParameters = {}): Promise<BenchRow[]> {
  const rounds = parameters.rounds ?? 30;
  const confirmations = parameters.confirmations ?? 2;
  const pollIntervalMs = parameters.pollIntervalMs ?? Number(process.env.MIXWATCH_BENCH_POLL_MS ?? 500);
  const modes = parameters.modes ?? ['embedded', 'kafka'];
  const log = parameters.log ?? ((s: string) => process.stderr.write(`[bench] ${s}\n`));
  const logLevel = process.env.MIXWATCH_BENCH_LOG ?? 'info';
  const rows: BenchRow[] = [];
  const common = `${rounds} alerts, confirmations ${confirmations}, ingest pollIntervalMs ${pollIntervalMs}, notify defaults`;

  if (modes.includes('embedded')) {
    const anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    const slack = await startSlackStandIn();
    const tmp = tempDir('mixwatch-bench-latency-');
    try {
      const start = Number(await anvil.rpc<string>('eth_blockNumber')) + 1;
      const child = spawnDaemon(
        testConfig({
          dataDir: tmp.dir,
          chains: { ethereum: chainConfig(anvil, start, confirmations, pollIntervalMs) },
          extra: extraConfig(),
        }),
        { env: { MIXWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl('BENCH-TOKEN'), MIXWATCH_LOG_LEVEL: logLevel } },
      );
      const deployment: Deployment = {
        processes: [{ role: 'all', child, dataDir: tmp.dir }],
        alertsIn: child,
        stop: () => stopChild(child),
      };
      try {
        const lat = await timeRounds({ mode: 'embedded', anvil, slack, deployment, rounds, confirmations, pollIntervalMs, log });
        rows.push(...rowsOf('embedded', lat, `${common}; mixwatch run (all roles, in-process bus, chDB)`, 2_000));
      } finally {
        await deployment.stop();
      }
    } catch (error) {
      rows.push({ name: 'alert_latency.embedded', value: Number.NaN, unit: '', notes: `did not run: ${String(error).slice(0, 600)}` });
    } finally {
      await slack.close();
      await anvil.stop();
      tmp.remove();
    }
  }

  if (modes.includes('kafka')) {
    const { randomName, startKafka } = await import('../helpers/kafka.ts');
    const anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    const slack = await startSlackStandIn();
    const dirs: Array<{ dir: string; remove: () => void }> = [];
    let kafka: Awaited<ReturnType<typeof startKafka>> | undefined;
    try {
      kafka = await startKafka({ fastStart: false });
      log(`latency kafka: broker ready in ${kafka.startMs} ms`);
      const prefix = randomName('latency');
      const bus = {
        kafka: { brokers: kafka.brokers, topicPrefix: `${prefix}.`, groupPrefix: `${prefix}.`, partitions: 3, sessionTimeoutMs: 6_000 },
      };
      const start = Number(await anvil.rpc<string>('eth_blockNumber')) + 1;
      const processes: Deployment['processes'] = [];
      // Consumers first (as the embedded daemon starts them), ingest last.
      for (const role of ['sink', 'detect', 'notify', 'ingest']) {
        const tmp = tempDir(`mixwatch-bench-latency-${role}-`);
        dirs.push(tmp);
        const child = spawnDaemon(
          testConfig({
            dataDir: tmp.dir,
            chains: { ethereum: chainConfig(anvil, start, confirmations, pollIntervalMs) },
            extra: { ...extraConfig(), bus },
          }),
          {
            args: ['--roles', role],
            env: {
              MIXWATCH_LOG_LEVEL: logLevel,
              ...(role === 'notify' ? { MIXWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl('BENCH-TOKEN') } : {}),
            },
          },
        );
        processes.push({ role, child, dataDir: tmp.dir });
      }
      const deployment: Deployment = {
        processes,
        alertsIn: processes.find((p) => p.role === 'sink')!.child,
        // Ingest first, then the consumers.
        stop: async () => {
          for (const p of [...processes].reverse()) await stopChild(p.child);
        },
      };
      try {
        const lat = await timeRounds({ mode: 'kafka', anvil, slack, deployment, rounds, confirmations, pollIntervalMs, log });
        rows.push(
          ...rowsOf(
            'kafka',
            lat,
            `${common}; 4 processes (mixwatch run --roles ingest|sink|detect|notify, own chDB each) over a real single-node KRaft broker (3 partitions)`,
            5_000,
          ),
        );
      } finally {
        await deployment.stop();
      }
    } catch (error) {
      rows.push({ name: 'alert_latency.kafka', value: Number.NaN, unit: '', notes: `did not run: ${String(error).slice(0, 600)}` });
    } finally {
      await kafka?.stop();
      await slack.close();
      await anvil.stop();
      for (const d of dirs) d.remove();
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv[3] ?? 'both';
  const modes: Array<'embedded' | 'kafka'> = which === 'both' ? ['embedded', 'kafka'] : [which as 'embedded' | 'kafka'];
  for (const r of await benchLatency({ rounds: Number(process.argv[2] ?? 30), modes }))
    console.log(`${r.name}\t${r.value}\t${r.unit}\t${r.notes ?? ''}`);
}
