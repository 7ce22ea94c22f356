// Role-level fault support (test/faults/roles.test.ts): the scaled deployment as four child
// processes (`mixwatch run --roles ingest|sink|detect|notify`) over one real Kafka broker, a chain
// whose events make the detection rules fire (labelled DPRK sender into Tornado Cash, USDT to
// fresh addresses, Tether blacklist), emitted while the faults happen, the clean embedded reference
// run of the same chain, and the comparisons: flows against the ground truth from the node, alerts
// against the reference, Slack deliveries at the stand-in.
import { mkdirSync } from 'node:fs';
import { readDaemonInfo } from '@mixwatch/cli';
import {
  ADDR,
  type Anvil,
  type ChildDaemon,
  emitLog,
  headNumber,
  mine,
  type ReplayLog,
  spawnDaemon,
  startInProcess,
  tornadoCases,
  usdtBlacklist,
  usdtTransfer,
  waitFor,
} from '@mixwatch/test/helpers';
import type { KafkaTestBroker } from '../helpers/kafka.ts';
import type { SlackRequest } from '../helpers/slack.ts';

/** The four roles, each its own process in the scaled runs. */
export const ROLE_NAMES = ['ingest', 'sink', 'detect', 'notify'] as const;
export type Role = (typeof ROLE_NAMES)[number];

/** Seeded PRNG (same LCG as the other fault tests): the same seed gives the same faults. */
export function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/**
 * The events of one case, in block-time order: `deposits` Tornado 100 ETH deposits sent by the
 * Harmony exploiter (a labelled DPRK address: every deposit is a `sanctioned_mixer_deposit`),
 * `withdrawals` withdrawals of the same pool, then USDT from the exploiter to `exits` fresh
 * addresses (tainted stablecoin) and a Tether blacklist entry for each of them (`issuer_freeze`).
 * `spacingSec`: see below.
 */
export function alertingEvents(options: { deposits: number; withdrawals: number; exits: number; spacingSec?: number }): ReplayLog[] {
  const recorded = tornadoCases({ deposits: options.deposits, withdrawals: options.withdrawals }).map((c) => c.log);
  // spacingSec re-times the Tornado events (recorded order kept) so that they fall into the rules'
  // windows: 100 ETH lots every 7 minutes are a `denomination_burst` (the detector's windowed state).
  const t0 = recorded[0]?.timestamp ?? 0;
  const spacing = options.spacingSec;
  const tornado = spacing ? recorded.map((l, i) => ({ ...l, timestamp: t0 + i * spacing })) : recorded;
  const from = Math.max(...tornado.map((l) => l.timestamp ?? 0)) + 600;
  const tail: ReplayLog[] = [];
  for (let i = 0; i < options.exits; i++) {
    const holder = `0x${(0xfa11_0000 + i).toString(16).padStart(40, '0')}`;
    tail.push({ ...usdtTransfer(ADDR.harmonyExploiter, holder, 1_000_000_000n * BigInt(i + 1)), timestamp: from + 240 * i });
    tail.push({ ...usdtBlacklist('added', holder), timestamp: from + 240 * i + 120 });
  }
  return [...tornado, ...tail];
}

/** Emits `logs` one transaction per block, `everyMs` apart; `done` resolves after the last one plus `confirm` empty blocks. */
export function emitPaced(anvil: Anvil, logs: ReplayLog[], everyMs: number, confirm = 4): { done: Promise<void>; emitted: () => number } {
  let n = 0;
  const done = (async () => {
    for (const l of logs) {
      await emitLog(anvil, l);
      n++;
      if (everyMs > 0) await new Promise((r) => setTimeout(r, everyMs));
    }
    await mine(anvil, confirm);
  })();
  return { done, emitted: () => n };
}

/** Settings every run of a case shares (reference and scaled), so that their flows and alerts can be compared. */
export function sharedSettings(parameters: { rpcUrl: string; slackUrl: string; startBlock: number }): Record<string, unknown> {
  return {
    http: { port: 0 },
    chains: {
      ethereum: {
        rpc: [parameters.rpcUrl],
        pollIntervalMs: 100,
        confirmations: 2,
        startBlock: parameters.startBlock,
        // Native transfers of watched senders need the labels in the ingest's own store, which a
        // separate ingest process (its own chDB) does not have: off in every run, so that the
        // reference and the scaled runs index the same flows.
        nativeTransfers: 'off',
        maxLogRange: 4,
        rpcRequestsPerSecond: 20,
      },
    },
    detect: {
      // Block times of the replayed events are years old: the wall-clock health rule would fire on lag.
      rules: {
        pipelineHealth: { maxLagSec: 1_000_000_000, silenceSec: 1_000_000_000, stallSec: 1_000_000_000, maxRpcFailures: 1_000_000 },
      },
    },
    notify: {
      slack: { webhookUrl: parameters.slackUrl, ratePerSecond: 20, timeoutMs: 5_000 },
      // One Slack message per alert (no digests), so every alert's delivery can be counted.
      digest: { windowSec: 0 },
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 10_000 },
      pollIntervalMs: 250,
    },
  };
}

/** POST /query on a running daemon of `dataDir` (chDB admits one process per folder). */
export async function queryRole<T = Record<string, string>>(dataDir: string, sql: string): Promise<T[]> {
  const info = readDaemonInfo(dataDir);
  if (!info) throw new Error(`no running daemon in ${dataDir}`);
  const res = await fetch(`http://127.0.0.1:${info.port}/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.token}` },
    body: JSON.stringify({ query: sql, format: 'JSONEachRow' }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`query on ${dataDir}: ${res.status} ${text.slice(0, 300)}`);
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** A numeric value of a Prometheus metric of a running daemon (summed over the label sets that match `labels`). */
export async function metricOf(dataDir: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const info = readDaemonInfo(dataDir);
  if (!info) return Number.NaN;
  const res = await fetch(`http://127.0.0.1:${info.port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  let sum = 0;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Block of a cursor in a role's store (-1 when missing or the role is down). */
export async function cursorOf(dataDir: string, key: string): Promise<number> {
  const rows = await queryRole<{ block: string }>(
    dataDir,
    `SELECT max(block) AS block FROM mixwatch.cursors WHERE cursor_key = '${key}'`,
  ).catch(() => []);
  return rows.length ? Number(rows[0]!.block) : -1;
}

/** The alert id a Slack message carries (context line of the Block Kit message, or the text fallback). */
export function slackAlertId(r: SlackRequest): string | undefined {
  return /alert `([^`]+)`/.exec(r.body)?.[1] ?? /\(alert ([^)\s]+)\)/.exec(r.body)?.[1];
}

/** Slack deliveries (200 answers) of one webhook path against the expected alert ids. */
export function slackOutcome(requests: SlackRequest[], path: string, expected: Set<string>) {
  const counts = new Map<string, number>();
  for (const r of requests) {
    if (r.status !== 200 || !r.path.endsWith(path)) continue;
    const id = slackAlertId(r) ?? `unparsed:${r.body.slice(0, 40)}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const undelivered = [...expected].filter((id) => !counts.has(id));
  const duplicates = [...counts.values()].reduce((s, n) => s + n - 1, 0);
  const foreign = [...counts.keys()].filter((id) => !expected.has(id));
  return { delivered: counts.size, undelivered, duplicates, foreign, counts };
}

/** What the clean reference run stored: flow ids, alert ids, and the alert rows (for the row comparison). */
export interface Reference {
  flows: Set<string>;
  alerts: Set<string>;
  alertRows: Map<string, string>;
  slackDelivered: number;
}

/** The alert columns compared with the reference (everything the chain determines; not created_at or details). */
export const ALERT_KEY_SQL =
  "concat(rule, '|', severity, '|', chain, '|', tx_hash, '|', address, '|', service, '|', toString(amount), '|', title)";

/**
 * The clean reference: the embedded default (all four roles in this process, in-process bus,
 * chDB) indexes the finished chain and delivers to `slackUrl`; returns when the detect cursor is
 * at `last` and the outbox holds no undelivered alert.
 */
export async function referenceRun(parameters: { dataDir: string; settings: Record<string, unknown>; last: number }): Promise<Reference> {
  const { daemon, query } = await startInProcess({ ...parameters.settings, dataDir: parameters.dataDir });
  try {
    await waitFor(
      'the reference run to reach the chain end and deliver every alert',
      async () => {
        const c = await query<{ block: string }>("SELECT max(block) AS block FROM mixwatch.cursors WHERE cursor_key IN ('detect:1')");
        if (Number(c[0]?.block ?? 0) < parameters.last) return false;
        const live = await query<{ block: string }>("SELECT max(block) AS block FROM mixwatch.cursors WHERE cursor_key = 'live:1'");
        if (Number(live[0]?.block ?? 0) < parameters.last) return false;
        const [a] = await query<{ alerts: string; outbox: string; sent: string }>(
          `SELECT (SELECT uniqExact(alert_id) FROM mixwatch.alerts) AS alerts,
                  (SELECT count() FROM mixwatch.notify_outbox FINAL) AS outbox,
                  (SELECT countIf(status = 'sent') FROM mixwatch.notify_outbox FINAL) AS sent`,
        );
        return a && Number(a.alerts) > 0 && Number(a.outbox) === Number(a.alerts) && Number(a.sent) === Number(a.alerts);
      },
      240_000,
      500,
    );
    const flows = new Set((await query<{ flow_id: string }>('SELECT flow_id FROM mixwatch.flows FINAL')).map((r) => r.flow_id));
    const rows = await query<{ alert_id: string; k: string }>(`SELECT alert_id, ${ALERT_KEY_SQL} AS k FROM mixwatch.alerts FINAL`);
    const sent = await query<{ n: string }>("SELECT count() AS n FROM mixwatch.notify_outbox FINAL WHERE status = 'sent'");
    return {
      flows,
      alerts: new Set(rows.map((r) => r.alert_id)),
      alertRows: new Map(rows.map((r) => [r.alert_id, r.k])),
      slackDelivered: Number(sent[0]?.n ?? 0),
    };
  } finally {
    await daemon.stop();
  }
}

/** Options of {@link startCluster}. */
export interface ClusterParameters {
  kafka: KafkaTestBroker;
  /** Topic and group prefix of this run (random). */
  prefix: string;
  settings: Record<string, unknown>;
  /** Folder under which each role gets `<role>/` as its data folder. */
  root: string;
}

/** The scaled deployment of one case: one process per role. */
export interface Cluster {
  dirs: Record<Role, string>;
  procs: Record<Role, ChildDaemon>;
  start(role: Role): ChildDaemon;
  kill9(role: Role): Promise<void>;
  /** SIGTERM every role (ingest first), resolves with the exit codes. */
  stop(): Promise<Record<Role, number | string>>;
  /** Roles whose process ended without being asked to. */
  crashed(): Role[];
  output(role: Role): string;
}

/** Starts the four roles as separate processes over Kafka (each with its own chDB folder; see `start` for detect's). */
export function startCluster(parameters: ClusterParameters): Cluster {
  const bus = {
    kafka: {
      brokers: parameters.kafka.brokers,
      topicPrefix: `${parameters.prefix}.`,
      groupPrefix: `${parameters.prefix}.`,
      partitions: 3,
      sessionTimeoutMs: 6_000,
    },
  };
  const dirs = Object.fromEntries(ROLE_NAMES.map((r) => [r, `${parameters.root}/${r}`])) as Record<Role, string>;
  const procs = {} as Record<Role, ChildDaemon>;
  const expectedExit = new Set<ChildDaemon>();
  const crashed = new Set<Role>();
  const logs: Record<string, string> = {};
  const start = (role: Role) => {
    // detect restores its windows from the flows in its store (a ClickHouse server the sink writes
    // to, in production). chDB admits one process per folder, so the detect process carries its own
    // sink replica — a consumer group of its own (`groupPrefix` …detect-store.) — that writes every
    // topic into detect's chDB: the stand-in for the shared server. The sink under test is the
    // separate `sink` process.
    const roles = role === 'detect' ? 'sink,detect' : role;
    const kafka = role === 'detect' ? { ...bus.kafka, groupPrefix: `${parameters.prefix}.detect-store.` } : bus.kafka;
    const child = spawnDaemon(
      { ...parameters.settings, dataDir: dirs[role], bus: { kafka } },
      { args: ['--roles', roles], env: { MIXWATCH_LOG_LEVEL: process.env.MIXWATCH_TEST_LOG ?? 'warn' } },
    );
    procs[role] = child;
    void child.exited.then((code) => {
      logs[role] = `${logs[role] ?? ''}${child.output()}\n[exit ${code}]\n`;
      if (!expectedExit.has(child)) crashed.add(role);
    });
    return child;
  };
  for (const r of ['sink', 'detect', 'notify', 'ingest'] as const) {
    // spawnDaemon writes its config file into the data folder
    mkdirSync(dirs[r], { recursive: true });
    start(r);
  }
  return {
    dirs,
    procs,
    start,
    async kill9(role) {
      const c = procs[role];
      expectedExit.add(c);
      c.proc.kill('SIGKILL');
      await c.exited;
    },
    async stop() {
      const out = {} as Record<Role, number | string>;
      for (const r of ['ingest', 'sink', 'detect', 'notify'] as const) {
        const c = procs[r];
        expectedExit.add(c);
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
        const t = setTimeout(() => c.proc.kill('SIGKILL'), 60_000);
        out[r] = await c.exited;
        clearTimeout(t);
      }
      return out;
    },
    crashed: () => [...crashed],
    output: (role) => `${logs[role] ?? ''}${procs[role].output()}`,
  };
}

/** The state of a scaled run read from the roles' stores through their query routes. */
export interface ClusterState {
  sinkCursor: number;
  detectCursor: number;
  flows: Array<{ id: string; n: string }>;
  alerts: Array<{ id: string; n: string }>;
  alertRows: Map<string, string>;
  outbox: Array<{ id: string; status: string }>;
}

/** Reads the cursors, flows, alerts (sink) and outbox (notify) of a running cluster. */
export async function readCluster(c: Cluster): Promise<ClusterState> {
  const [flows, alerts, rows, outbox] = await Promise.all([
    queryRole<{ id: string; n: string }>(c.dirs.sink, 'SELECT flow_id AS id, count() AS n FROM mixwatch.flows FINAL GROUP BY flow_id'),
    queryRole<{ id: string; n: string }>(c.dirs.sink, 'SELECT alert_id AS id, count() AS n FROM mixwatch.alerts FINAL GROUP BY alert_id'),
    queryRole<{ alert_id: string; k: string }>(c.dirs.sink, `SELECT alert_id, ${ALERT_KEY_SQL} AS k FROM mixwatch.alerts FINAL`),
    queryRole<{ id: string; status: string }>(c.dirs.notify, 'SELECT alert_id AS id, status FROM mixwatch.notify_outbox FINAL'),
  ]);
  return {
    sinkCursor: await cursorOf(c.dirs.sink, 'live:1'),
    detectCursor: await cursorOf(c.dirs.detect, 'detect:1'),
    flows,
    alerts,
    alertRows: new Map(rows.map((r) => [r.alert_id, r.k])),
    outbox,
  };
}

/** Waits until the cluster reached `last` (sink and detect cursors), stored every reference alert and sent them all (or the timeout passes); returns the last state and whether it got there. */
export async function settle(
  c: Cluster,
  ref: Reference,
  last: number,
  timeoutMs: number,
): Promise<{ state: ClusterState; reached: boolean; waitedMs: number }> {
  const t0 = performance.now();
  let state: ClusterState | undefined;
  let reached = false;
  await waitFor(
    'the scaled run to reach the chain end, store and deliver every alert',
    async () => {
      state = await readCluster(c);
      const sent = state.outbox.filter((o) => o.status === 'sent').length;
      reached = state.sinkCursor >= last && state.detectCursor >= last && state.alerts.length >= ref.alerts.size && sent >= ref.alerts.size;
      return reached;
    },
    timeoutMs,
    1_000,
  ).catch(() => {});
  state ??= await readCluster(c);
  return { state, reached, waitedMs: performance.now() - t0 };
}

/** The chain end the runs must reach: the last block holding a replayed event. */
export async function lastEventBlock(anvil: Anvil, confirm = 4): Promise<number> {
  return (await headNumber(anvil)) - confirm;
}
