import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TOPICS } from '@mixwatch/bus';
import type { Alert, FlowMessage } from '@mixwatch/core';
import { startInProcess, tempDir, waitFor } from '@mixwatch/test/helpers';
import { ADDR, closingCheckpoints, fresh, harmonyHorizon, ScenarioBuilder } from '../../../test/e2e/scenarios/index.ts';

// The detect role against the real embedded store (chDB) and the lead's sink, through the
// in-process bus: alerts reach mixwatch.alerts, state lands in the detect tables, and a restart
// (same data folder) restores taint and windows so redelivered flows add nothing and taint
// survives months of dormancy.
describe('detect role: chDB state, restart, redelivery, dormancy', () => {
  const tmp = tempDir('mixwatch-detect-');
  after(() => tmp.remove());
  const scenario = harmonyHorizon();
  const raw = { dataDir: tmp.dir, http: { port: 0 }, chains: { ethereum: {}, tron: {} } };

  async function run(messages: FlowMessage[], waitForAlerts: (a: Alert[]) => boolean) {
    const { daemon, query } = await startInProcess(raw, ['sink', 'detect']);
    const alerts: Alert[] = [];
    await daemon.ctx.bus.subscribe(TOPICS.alerts, 'test', async (records) => {
      for (const r of records) alerts.push(r.value);
    });
    const all = [...messages, ...closingCheckpoints(messages)];
    await daemon.ctx.bus.publish(
      TOPICS.flows,
      all.map((m) => ({ key: String(m.type === 'flow' ? m.flow.chain_id : 'chain_id' in m ? m.chain_id : 0), value: m })),
    );
    await waitFor('detect to handle the batch', async () => {
      const c = await query<{ n: string }>("SELECT count() AS n FROM mixwatch.cursors FINAL WHERE cursor_key LIKE 'detect:%'");
      return Number(c[0]?.n) >= 1 && waitForAlerts(alerts);
    });
    return { daemon, query, alerts };
  }

  it('raises the Harmony alerts, writes labels, taint, pairs and the Recommendation 11 view', async () => {
    const messages = scenario.steps.map((s) => s.message);
    const { daemon, query, alerts } = await run(messages, (a) => a.some((x) => x.rule === 'freezable_exposure'));
    try {
      const rules = new Set(alerts.map((a) => a.rule));
      for (const e of scenario.expect) assert.ok(rules.has(e.rule), `missing ${e.rule}`);
      await waitFor('the sink to write the alerts', async () => {
        const r = await query<{ n: string }>('SELECT uniqExact(alert_id) AS n FROM mixwatch.alerts FINAL');
        return Number(r[0]?.n) === new Set(alerts.map((a) => a.alert_id)).size;
      });
      const labels = await query<{ n: string }>("SELECT count() AS n FROM mixwatch.labels FINAL WHERE category = 'dprk_attributed'");
      assert.ok(Number(labels[0]?.n) > 200);
      const w = fresh('harmony_horizon', 'withdrawal-recipient');
      const taint = await query<{ hops: number; via: string; score: number }>(
        'SELECT hops, via, score FROM mixwatch.taint_current WHERE address = {a:String}',
        {
          a: w,
        },
      );
      assert.equal(taint[0]?.via, 'mixer');
      assert.ok(Number(taint[0]?.score) >= 0.2);
      const usage = await query<{ service: string; days_active_30d: string }>(
        "SELECT service, days_active_30d FROM mixwatch.service_usage WHERE service = 'tornado'",
      );
      assert.equal(Number(usage[0]?.days_active_30d), 1);
      const pairing = await query<{ paired: string; departures: string }>(
        "SELECT paired, departures FROM mixwatch.bridge_pairing_rate WHERE service = 'allbridge'",
      );
      assert.deepEqual([Number(pairing[0]?.paired), Number(pairing[0]?.departures)], [1, 1]);
    } finally {
      await daemon.stop();
    }
  });

  it('after a restart, redelivered flows add no alert, and taint survives 206 days of dormancy', async () => {
    const w = fresh('harmony_horizon', 'withdrawal-recipient');
    const later = new ScenarioBuilder('harmony_horizon/second-wave', scenario.start + 206 * 86_400);
    later.tornadoDeposit(0, w, ADDR.tornado10Eth, 'ethereum', 10n * 10n ** 18n);
    const redelivered = scenario.steps.map((s) => s.message);
    const { daemon, alerts } = await run([...redelivered, ...later.steps.map((s) => s.message)], (a) =>
      a.some((x) => x.rule === 'sanctioned_mixer_deposit' && x.address === w),
    );
    try {
      const hit = alerts.find((a) => a.rule === 'sanctioned_mixer_deposit' && a.address === w)!;
      assert.equal((hit.details.taint as { via: string }).via, 'mixer');
      assert.deepEqual(
        alerts.filter((a) => a !== hit).map((a) => a.rule),
        [],
        'the redelivered Harmony flows must not raise anything again',
      );
    } finally {
      await daemon.stop();
    }
  });
  it('a retraction deletes the rows derived from the orphaned flows', async () => {
    const tron = scenario.steps.find((s) => s.chain === 'tron')!;
    const block = (tron.message as { flow: { block_number: number } }).flow.block_number;
    const { daemon, query } = await run([], () => true);
    try {
      const before = await query<{ n: string }>("SELECT count() AS n FROM mixwatch.taint WHERE chain = 'tron'");
      assert.equal(Number(before[0]?.n), 1);
      await daemon.ctx.bus.publish(TOPICS.flows, [
        { key: '728126428', value: { type: 'retract', chain: 'tron', chain_id: 728126428, after_block: block - 1, reason: 'test reorg' } },
      ]);
      await waitFor('the derived TRON rows to go', async () => {
        const t = await query<{ n: string }>("SELECT count() AS n FROM mixwatch.taint WHERE chain = 'tron'");
        const p = await query<{ n: string }>("SELECT count() AS n FROM mixwatch.bridge_pairs WHERE in_chain = 'tron'");
        return Number(t[0]?.n) === 0 && Number(p[0]?.n) === 0;
      });
    } finally {
      await daemon.stop();
    }
  });
});
