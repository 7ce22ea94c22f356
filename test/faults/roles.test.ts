import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Anvil, type ReplayLog, startAnvil, tempDir } from '@mixwatch/test/helpers';
import { type KafkaTestBroker, randomName, startKafka } from '../helpers/kafka.ts';
import { type SlackStandIn, startSlackStandIn } from '../helpers/slack.ts';
import { type Comparison, compareIds, type FaultRow, faultTable, groundTruth } from './harness.ts';
import {
  alertingEvents,
  type Cluster,
  emitPaced,
  lastEventBlock,
  metricOf,
  prng,
  ROLE_NAMES,
  type Role,
  referenceRun,
  settle,
  sharedSettings,
  slackOutcome,
  startCluster,
} from './roles-harness.ts';

// Role-level faults of the scaled deployment (`npm run test:faults`): ingest, sink, detect and
// notify each run as their own `mixwatch run --roles <role>` process, connected by a real Apache
// Kafka broker (KRaft, from the Maven jars), each with its own chDB folder (chDB admits one process
// per folder; this is the arrangement of test/e2e/kafka-pipeline.int.test.ts). Alerts reach Slack
// through the local stand-in. A fresh anvil chain per case gets events that make the rules fire
// (labelled DPRK sender into Tornado Cash, USDT to fresh addresses, Tether blacklist), emitted
// WHILE the fault happens. Afterwards: the sink's `flows FINAL` against the ground truth from the
// node, the sink's `alerts FINAL` against a clean embedded reference run of the same chain, and
// the Slack deliveries at the stand-in (each alert at least once; duplicates only inside the
// documented window between Slack's 2xx and the outbox status write, i.e. only when notify is
// killed). The last test prints the faults × outcome table.

const rows: FaultRow[] = [];

describe('role-level faults over Kafka', { timeout: 1_500_000 }, () => {
  let kafka: KafkaTestBroker;
  let slack: SlackStandIn;
  const tmp = tempDir('mixwatch-roles-');
  const anvils: Anvil[] = [];
  const clusters: Cluster[] = [];
  let caseNo = 0;

  before(async () => {
    [kafka, slack] = await Promise.all([startKafka(), startSlackStandIn()]);
    console.log(`# kafka cold start ${kafka.startMs} ms`);
  });
  after(async () => {
    for (const c of clusters) await c.stop().catch(() => {});
    for (const a of anvils) await a.stop().catch(() => {});
    await slack?.close();
    await kafka?.stop();
    tmp.remove();
  });

  interface CaseResult {
    flows: Comparison;
    alerts: Comparison;
    alertRowsDiffer: number;
    slack: ReturnType<typeof slackOutcome>;
    reached: boolean;
    settleMs: number;
    exits: Record<Role, number | string>;
    crashed: Role[];
    referenceFlowsMatchTruth: boolean;
    seconds: number;
    /** Rules of the lost and invented alerts. */
    oddAlerts: string[];
    /** Webhook path of the scaled run at the Slack stand-in. */
    path: string;
  }

  /**
   * One case: a fresh chain, the four roles started, `events` emitted `everyMs` apart while
   * `inject` runs; then the reference run, the cluster settled (up to 4 min), everything compared.
   */
  async function runCase(
    events: ReplayLog[],
    everyMs: number,
    inject: (cluster: Cluster, emitted: () => number) => Promise<void>,
  ): Promise<CaseResult> {
    const t0 = performance.now();
    const k = caseNo++;
    const anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    anvils.push(anvil);
    const path = `/roles${k}x${randomName('w').slice(2)}`;
    const settings = sharedSettings({ rpcUrl: anvil.url, slackUrl: `${slack.origin}/services/T000/B000${path}`, startBlock: 1 });
    const cluster = startCluster({ kafka, prefix: randomName(`roles${k}`), settings, root: `${tmp.dir}/c${k}` });
    clusters.push(cluster);
    const emission = emitPaced(anvil, events, everyMs);
    await Promise.all([inject(cluster, emission.emitted), emission.done]);
    const last = await lastEventBlock(anvil);
    const truth = await groundTruth(anvil, 1, last);
    const ref = await referenceRun({
      dataDir: `${tmp.dir}/ref${k}`,
      settings: sharedSettings({ rpcUrl: anvil.url, slackUrl: slack.webhookUrl(`ref${k}`), startBlock: 1 }),
      last,
    });
    const byRule = new Map<string, number>();
    for (const key of ref.alertRows.values()) byRule.set(key.split('|')[0]!, (byRule.get(key.split('|')[0]!) ?? 0) + 1);
    console.log(
      `# case ${k}: ${truth.size} flows in the ground truth, ${ref.alerts.size} alerts in the reference run (${[...byRule].map(([rule, n]) => `${rule} ${n}`).join(', ')})`,
    );
    const { state, reached, waitedMs } = await settle(cluster, ref, last, 240_000);
    const flows = compareIds(state.flows, truth);
    const alerts = compareIds(state.alerts, ref.alerts);
    let alertRowsDiffer = 0;
    for (const [id, key] of state.alertRows) if (ref.alertRows.has(id) && ref.alertRows.get(id) !== key) alertRowsDiffer++;
    const stored = new Set(state.alerts.map((a) => a.id));
    const ruleOf = (id: string) => (ref.alertRows.get(id) ?? state.alertRows.get(id) ?? '?').split('|')[0];
    const odd = [
      ...[...ref.alerts].filter((id) => !stored.has(id)).map((id) => `lost ${ruleOf(id)} ${id}`),
      ...[...stored].filter((id) => !ref.alerts.has(id)).map((id) => `invented ${ruleOf(id)} ${id}`),
    ];
    if (odd.length) console.log(`# alerts that differ from the reference: ${odd.join(', ')}`);
    const crashed = cluster.crashed();
    const exits = await cluster.stop();
    const result: CaseResult = {
      flows,
      alerts,
      alertRowsDiffer,
      slack: slackOutcome(slack.requests, path, ref.alerts),
      reached,
      settleMs: waitedMs,
      exits,
      crashed,
      referenceFlowsMatchTruth: ref.flows.size === truth.size && [...truth].every((id) => ref.flows.has(id)),
      seconds: (performance.now() - t0) / 1000,
      oddAlerts: odd.map((o) => o.split(' ').slice(0, 2).join(' ')),
      path,
    };
    if (!reached || crashed.length) {
      for (const r of ROLE_NAMES) console.log(`# --- ${r} output (tail) ---\n${cluster.output(r).slice(-3000).replace(/^/gm, '# ')}`);
    }
    return result;
  }

  function record(fault: string, injected: string, r: CaseResult, notes: string[], allowedSlackDuplicates: number) {
    const exact = (c: Comparison) => c.lost === 0 && c.duplicated === 0 && c.invented === 0;
    const common = [
      r.reached ? '' : `TIMEOUT: not at the chain end / not all delivered after ${(r.settleMs / 1000).toFixed(0)} s`,
      r.crashed.length ? `CRASHED: ${r.crashed.join(',')}` : '',
    ];
    const flowProblems = [...common, r.referenceFlowsMatchTruth ? '' : 'reference run flows differ from the ground truth'].filter(Boolean);
    const alertProblems = [
      ...common,
      r.oddAlerts.length ? `alerts ${r.oddAlerts.join(', ')}` : '',
      r.alertRowsDiffer ? `${r.alertRowsDiffer} alert rows differ from the reference` : '',
      r.slack.undelivered.length ? `${r.slack.undelivered.length} alerts never delivered to Slack` : '',
      r.slack.duplicates > allowedSlackDuplicates ? `${r.slack.duplicates} Slack duplicates (allowed ${allowedSlackDuplicates})` : '',
      r.slack.foreign.length ? `${r.slack.foreign.length} Slack messages for alerts not in the reference` : '',
    ].filter(Boolean);
    const slackNote = `Slack: ${r.slack.delivered} alerts delivered, ${r.slack.duplicates} duplicate(s)`;
    const verdict = (c: Comparison, problems: string[]) =>
      exact(c) && problems.length === 0 ? 'OK' : problems.length ? problems.join('; ') : 'WRONG DATA';
    rows.push(
      { fault: `${fault} — flows`, injected, comparison: r.flows, outcome: verdict(r.flows, flowProblems), seconds: r.seconds },
      {
        fault: `${fault} — alerts`,
        injected,
        comparison: r.alerts,
        outcome: `${verdict(r.alerts, alertProblems)}; ${slackNote}${notes.length ? `; ${notes.join('; ')}` : ''}`,
        seconds: r.seconds,
      },
    );
  }

  function assertCase(r: CaseResult, allowedSlackDuplicates: number) {
    assert.ok(r.reached, 'the roles reached the chain end and delivered every alert');
    assert.deepEqual(r.crashed, [], 'no role ended by itself');
    for (const role of ROLE_NAMES) assert.equal(r.exits[role], 0, `${role} stopped cleanly on SIGTERM`);
    assert.ok(r.referenceFlowsMatchTruth, 'the reference run stored the ground truth');
    assert.ok(r.alerts.expected >= 10, `the chain makes the rules fire (${r.alerts.expected} alerts)`);
    for (const [what, c] of [
      ['flows', r.flows],
      ['alerts', r.alerts],
    ] as const) {
      assert.equal(c.lost, 0, `lost ${c.lost} ${what}`);
      assert.equal(c.duplicated, 0, `duplicated ${c.duplicated} ${what}`);
      assert.equal(c.invented, 0, `invented ${c.invented} ${what}`);
    }
    assert.equal(r.alertRowsDiffer, 0, 'alert rows equal the reference');
    assert.deepEqual(r.slack.undelivered, [], 'every alert delivered to Slack');
    assert.deepEqual(r.slack.foreign, [], 'no Slack message for an unknown alert');
    assert.ok(r.slack.duplicates <= allowedSlackDuplicates, `${r.slack.duplicates} Slack duplicates (at most ${allowedSlackDuplicates})`);
  }

  it('kill -9 of a random role at random moments, 20 rounds, while the chain grows', async () => {
    const seed = Number(process.env.MIXWATCH_FAULT_SEED ?? 20_261_121);
    const rand = prng(seed);
    const kills: Record<Role, number> = { ingest: 0, sink: 0, detect: 0, notify: 0 };
    const notifyKilledAt: number[] = [];
    const rounds = 20;
    const r = await runCase(alertingEvents({ deposits: 30, withdrawals: 20, exits: 4, spacingSec: 420 }), 900, async (cluster) => {
      for (let round = 0; round < rounds; round++) {
        await new Promise((res) => setTimeout(res, 1_000 + rand() * 4_000));
        const role = ROLE_NAMES[Math.floor(rand() * ROLE_NAMES.length)]!;
        if (role === 'notify') notifyKilledAt.push(performance.timeOrigin + performance.now());
        await cluster.kill9(role);
        kills[role]++;
        await new Promise((res) => setTimeout(res, rand() * 1_000));
        cluster.start(role);
      }
    });
    const injected = `${rounds} SIGKILLs, seed ${seed} (${ROLE_NAMES.map((x) => `${x} ${kills[x]}`).join(', ')}), each role restarted`;
    // A duplicate is allowed only inside the documented window: notify killed between Slack's 2xx
    // and the outbox status write of that message (one HTTP answer plus one insert: well under 5 s).
    const outside: string[] = [];
    for (const [id, n] of r.slack.counts) {
      if (n < 2) continue;
      const firstOk = slack.requests.find((q) => q.status === 200 && q.path.endsWith(r.path) && q.body.includes(id))?.at ?? 0;
      if (!notifyKilledAt.some((t) => t >= firstOk && t - firstOk < 5_000)) outside.push(id);
    }
    const note = `${outside.length} of the Slack duplicates outside the 2xx-to-status-write window of a notify kill`;
    record('kill -9 of each role', injected, r, [note], kills.notify);
    assertCase(r, kills.notify);
    assert.deepEqual(outside, [], 'every Slack duplicate follows a notify kill within 5 s of its first delivery');
  });

  it('Kafka broker stopped for 35 s mid-stream, then restarted', async () => {
    let recovery = '';
    const r = await runCase(alertingEvents({ deposits: 20, withdrawals: 10, exits: 3 }), 1_500, async (cluster) => {
      const published = () => metricOf(cluster.dirs.ingest, 'mixwatch_bus_messages_published_total', { topic: 'mixwatch.flows.v1' });
      const consumed = () => metricOf(cluster.dirs.sink, 'mixwatch_bus_messages_consumed_total', { topic: 'mixwatch.flows.v1' });
      const delivered = () => slack.delivered().length;
      // the stream is under way
      const t = Date.now();
      while (!((await consumed().catch(() => 0)) > 0) && Date.now() - t < 180_000) await new Promise((res) => setTimeout(res, 250));
      await kafka.pause();
      const stoppedAt = performance.now();
      await new Promise((res) => setTimeout(res, 35_000));
      const restartMs = await kafka.restart();
      const backAt = performance.now();
      const [p0, c0, s0] = [await published(), await consumed(), delivered()];
      let publishMs = Number.NaN;
      let consumeMs = Number.NaN;
      let slackMs = Number.NaN;
      while ((Number.isNaN(publishMs) || Number.isNaN(consumeMs)) && performance.now() - backAt < 180_000) {
        await new Promise((res) => setTimeout(res, 200));
        const now = performance.now() - backAt;
        if (Number.isNaN(publishMs) && (await published().catch(() => 0)) > p0) publishMs = now;
        if (Number.isNaN(consumeMs) && (await consumed().catch(() => 0)) > c0) consumeMs = now;
        if (Number.isNaN(slackMs) && delivered() > s0) slackMs = now;
      }
      recovery = `broker down ${((backAt - stoppedAt) / 1000).toFixed(0)} s (restart to ready ${(restartMs / 1000).toFixed(1)} s); after it answered: publish resumed ${(publishMs / 1000).toFixed(1)} s, consume resumed ${(consumeMs / 1000).toFixed(1)} s${Number.isNaN(slackMs) ? '' : `, next Slack delivery ${(slackMs / 1000).toFixed(1)} s`}`;
      console.log(`# ${recovery}`);
    });
    record('Kafka broker stop/restart', 'SIGTERM of the broker, 35 s down, restart on the same data', r, [recovery], 0);
    assertCase(r, 0);
    assert.match(recovery, /publish resumed \d/, 'publishing resumed');
    assert.match(recovery, /consume resumed \d/, 'consuming resumed');
  });

  it('Slack down for over 2 minutes (503, then hanging), then back', async () => {
    let recovery = '';
    let upAt = 0;
    let during = 0;
    const r = await runCase(alertingEvents({ deposits: 20, withdrawals: 10, exits: 3 }), 2_500, async (cluster) => {
      await new Promise((res) => setTimeout(res, 5_000));
      const before = slack.requests.length;
      slack.setDefault({ kind: 'server_error', status: 503 });
      await new Promise((res) => setTimeout(res, 65_000));
      slack.setDefault({ kind: 'hang' });
      await new Promise((res) => setTimeout(res, 65_000));
      // the daemon keeps running through the outage
      assert.deepEqual(cluster.crashed(), [], 'no role ended during the Slack outage');
      slack.setDefault({ kind: 'ok' });
      upAt = performance.timeOrigin + performance.now();
      during = slack.requests.length - before;
    });
    // time from Slack's recovery to the last alert's first 200
    const firstOk = new Map<string, number>();
    for (const q of slack.requests) {
      if (q.status !== 200 || !q.path.endsWith(r.path)) continue;
      const id = /alert `([^`]+)`/.exec(q.body)?.[1];
      if (id && !firstOk.has(id)) firstOk.set(id, q.at);
    }
    const afterUp = [...firstOk.values()].filter((at) => at >= upAt);
    const lastMs = afterUp.length ? Math.max(...afterUp) - upAt : Number.NaN;
    recovery = `${during} requests refused or hung during 130 s; ${afterUp.length} alerts delivered after recovery, the last ${(lastMs / 1000).toFixed(1)} s after it`;
    console.log(`# ${recovery}`);
    record('Slack down > 2 min', '65 s of 503, then 65 s of hanging requests', r, [recovery], 0);
    assertCase(r, 0);
    assert.ok(during > 0, 'notify tried to deliver during the outage');
    assert.ok(afterUp.length > 0, 'alerts waited for the recovery');
  });
});

describe('role faults × outcome', () => {
  it('prints the table', () => {
    console.log(`\n${faultTable(rows)}\n`);
    assert.ok(rows.length > 0);
  });
});
