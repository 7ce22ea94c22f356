import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Anvil, type ChildDaemon, spawnDaemon, startAnvil, tempDir, waitFor } from '@mixwatch/test/helpers';
import { type ClickHouseHttp, startClickHouseHttp } from '../helpers/clickhouse-http.ts';
import { type KafkaTestBroker, randomName, startKafka } from '../helpers/kafka.ts';
import { type SlackStandIn, startSlackStandIn } from '../helpers/slack.ts';
import { compareIds, type FaultRow, faultTable, groundTruth } from './harness.ts';
import {
  ALERT_KEY_SQL,
  alertingEvents,
  emitPaced,
  lastEventBlock,
  prng,
  referenceRun,
  sharedSettings,
  slackOutcome,
} from './roles-harness.ts';

// kill -9 of detect replicas that share the flows partitions (detect.replicas.mode = partitions),
// `npm run test:faults`. The scaled deployment as separate processes — ingest, sink, two detect
// replicas, notify — over a real Kafka broker, all writing to ONE ClickHouse store, as they would
// to a server: the real engine (chDB) behind its HTTP interface (test/helpers/clickhouse-http-server.ts;
// chDB admits one process per folder and no ClickHouse server binary exists here). The replica
// that holds the chain's partition is killed and restarted at random moments while the chain grows;
// the other one (or the restarted one) takes the partition and restores the state from the store.
// Afterwards the flows are compared with the node's ground truth, the alerts with a clean embedded
// reference run, and the Slack deliveries counted at the stand-in.
describe('detect replicas sharing the partitions: kill -9', { timeout: 900_000 }, () => {
  let kafka: KafkaTestBroker;
  let slack: SlackStandIn;
  let clickhouse: ClickHouseHttp;
  let anvil: Anvil | undefined;
  const tmp = tempDir('mixwatch-detect-replicas-');
  const procs = new Map<string, ChildDaemon>();
  const rows: FaultRow[] = [];

  before(async () => {
    [kafka, slack, clickhouse] = await Promise.all([startKafka(), startSlackStandIn(), startClickHouseHttp(`${tmp.dir}/clickhouse`)]);
  });
  after(async () => {
    for (const p of procs.values()) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await anvil?.stop().catch(() => {});
    await clickhouse?.stop();
    await slack?.close();
    await kafka?.stop();
    tmp.remove();
    if (rows.length) console.log(`\n${faultTable(rows)}\n`);
  });

  it('kill -9 of the replica holding the chain, 8 rounds, while the chain grows: nothing lost or doubled', async () => {
    const t0 = performance.now();
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    const path = `/replicas${randomName('w').slice(2)}`;
    const base = sharedSettings({ rpcUrl: anvil.url, slackUrl: `${slack.origin}/services/T000/B000${path}`, startBlock: 1 });
    const settings = {
      ...base,
      detect: { ...(base.detect as Record<string, unknown>), replicas: { mode: 'partitions', sweepMs: 500 } },
      bus: {
        kafka: { brokers: kafka.brokers, topicPrefix: `${randomName('replicas')}.`, partitions: 3, sessionTimeoutMs: 6_000 },
      },
    };
    const names = ['sink', 'detect-a', 'detect-b', 'notify', 'ingest'] as const;
    const expectedExit = new Set<ChildDaemon>();
    const crashed: string[] = [];
    // Fixed metrics ports for the detect replicas (a daemon on a server store writes no daemon.json).
    const ports: Record<string, number> = { 'detect-a': await freePort(), 'detect-b': await freePort() };
    const start = (name: (typeof names)[number]) => {
      const dataDir = `${tmp.dir}/${name}`;
      mkdirSync(dataDir, { recursive: true });
      const child = spawnDaemon(
        { ...settings, dataDir, http: { port: ports[name] ?? 0 } },
        {
          args: ['--roles', name.startsWith('detect') ? 'detect' : name],
          env: { MIXWATCH_CLICKHOUSE_URL: clickhouse.url, MIXWATCH_LOG_LEVEL: process.env.MIXWATCH_TEST_LOG ?? 'warn' },
        },
      );
      procs.set(name, child);
      void child.exited.then(() => {
        if (!expectedExit.has(child)) crashed.push(`${name}: ${child.output().slice(-1500)}`);
      });
      return child;
    };
    for (const n of names) start(n);

    const seed = Number(process.env.MIXWATCH_FAULT_SEED ?? 20_261_122);
    const rand = prng(seed);
    const rounds = 8;
    let holderKills = 0;
    const events = alertingEvents({ deposits: 30, withdrawals: 20, exits: 4, spacingSec: 420 });
    const emission = emitPaced(anvil, events, 1_500);
    const inject = (async () => {
      for (let round = 0; round < rounds; round++) {
        // Wait until a replica holds the chain's partition again (the group rebalances after each
        // kill: at once when the restarted replica joins, or after sessionTimeoutMs), then kill it.
        const chainsOf = async (n: string) => {
          const res = await fetch(`http://127.0.0.1:${ports[n]}/metrics`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
          const line = (await res?.text())?.split('\n').find((l) => l.startsWith('mixwatch_detect_chains '));
          return Number(line?.split(' ')[1] ?? 0);
        };
        let victim: 'detect-a' | 'detect-b' | undefined;
        const since = Date.now();
        while (!victim && Date.now() - since < 30_000) {
          if ((await chainsOf('detect-a')) > 0) victim = 'detect-a';
          else if ((await chainsOf('detect-b')) > 0) victim = 'detect-b';
          else await new Promise((res) => setTimeout(res, 250));
        }
        if (victim) holderKills++;
        victim ??= rand() < 0.5 ? 'detect-a' : 'detect-b';
        await new Promise((res) => setTimeout(res, rand() * 3_000));
        const child = procs.get(victim)!;
        expectedExit.add(child);
        child.proc.kill('SIGKILL');
        await child.exited;
        await new Promise((res) => setTimeout(res, rand() * 1_000));
        start(victim);
      }
    })();
    await Promise.all([inject, emission.done]);
    const last = await lastEventBlock(anvil);
    const truth = await groundTruth(anvil, 1, last);
    const ref = await referenceRun({
      dataDir: `${tmp.dir}/ref`,
      settings: sharedSettings({ rpcUrl: anvil.url, slackUrl: slack.webhookUrl('replicas-ref'), startBlock: 1 }),
      last,
    });

    const read = async () => {
      const cursor = async (key: string) =>
        Number(
          (await clickhouse.query<{ b: string }>(`SELECT max(block) AS b FROM mixwatch.cursors WHERE cursor_key = '${key}'`))[0]?.b ?? -1,
        );
      return {
        sink: await cursor('live:1'),
        detect: await cursor('detect:1'),
        flows: await clickhouse.query<{ id: string; n: string }>(
          'SELECT flow_id AS id, count() AS n FROM mixwatch.flows FINAL GROUP BY flow_id',
        ),
        alerts: await clickhouse.query<{ id: string; n: string }>(
          'SELECT alert_id AS id, count() AS n FROM mixwatch.alerts FINAL GROUP BY alert_id',
        ),
        alertRows: await clickhouse.query<{ alert_id: string; k: string }>(
          `SELECT alert_id, ${ALERT_KEY_SQL} AS k FROM mixwatch.alerts FINAL`,
        ),
        sent: Number(
          (await clickhouse.query<{ n: string }>("SELECT count() AS n FROM mixwatch.notify_outbox FINAL WHERE status = 'sent'"))[0]?.n ?? 0,
        ),
      };
    };
    let state = await read();
    const settleStart = performance.now();
    await waitFor(
      'the replicas to reach the chain end, store and deliver every alert',
      async () => {
        state = await read();
        return state.sink >= last && state.detect >= last && state.alerts.length >= ref.alerts.size && state.sent >= ref.alerts.size;
      },
      240_000,
      1_000,
    ).catch(() => {});
    const settleMs = performance.now() - settleStart;
    const flows = compareIds(state.flows, truth);
    const alerts = compareIds(state.alerts, ref.alerts);
    const differ = state.alertRows.filter((r) => ref.alertRows.has(r.alert_id) && ref.alertRows.get(r.alert_id) !== r.k).length;
    const delivered = slackOutcome(slack.requests, path, ref.alerts);

    const exits: Record<string, number | string> = {};
    for (const n of ['ingest', 'sink', 'detect-a', 'detect-b', 'notify'] as const) {
      const c = procs.get(n)!;
      expectedExit.add(c);
      c.proc.kill('SIGTERM');
      exits[n] = await c.exited;
    }
    const injected = `${rounds} SIGKILLs of a detect replica, seed ${seed} (${holderKills} of the replica holding the chain), each restarted`;
    const seconds = (performance.now() - t0) / 1000;
    const verdict = (c: typeof flows) => (c.lost === 0 && c.duplicated === 0 && c.invented === 0 ? 'OK' : 'WRONG DATA');
    rows.push(
      { fault: 'kill -9 of partition-sharing detect replicas — flows', injected, comparison: flows, outcome: verdict(flows), seconds },
      {
        fault: 'kill -9 of partition-sharing detect replicas — alerts',
        injected,
        comparison: alerts,
        outcome: `${verdict(alerts)}; ${differ} alert rows differ from the reference; Slack: ${delivered.delivered} alerts delivered, ${delivered.duplicates} duplicate(s); settled ${(settleMs / 1000).toFixed(0)} s after the chain end`,
        seconds,
      },
    );

    assert.deepEqual(crashed, [], 'no process ended by itself');
    assert.ok(state.sink >= last && state.detect >= last, `cursors at the chain end ${last}: sink ${state.sink}, detect ${state.detect}`);
    assert.ok(ref.alerts.size >= 10, `the chain makes the rules fire (${ref.alerts.size} alerts)`);
    assert.equal(holderKills, rounds, `every kill hit the replica holding the chain (${holderKills} of ${rounds})`);
    for (const [what, c] of [
      ['flows', flows],
      ['alerts', alerts],
    ] as const) {
      assert.equal(c.lost, 0, `lost ${c.lost} ${what}`);
      assert.equal(c.duplicated, 0, `duplicated ${c.duplicated} ${what}`);
      assert.equal(c.invented, 0, `invented ${c.invented} ${what}`);
    }
    assert.equal(differ, 0, 'alert rows equal the reference');
    assert.deepEqual(delivered.undelivered, [], 'every alert delivered to Slack');
    assert.equal(delivered.duplicates, 0, 'no Slack duplicate (notify was not killed)');
    assert.deepEqual(delivered.foreign, [], 'no Slack message for an unknown alert');
    for (const [n, code] of Object.entries(exits)) assert.equal(code, 0, `${n} stopped cleanly on SIGTERM`);
  });
});

/** A free TCP port of 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}
