import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOPICS } from '@mixwatch/bus';
import type { Common } from '@mixwatch/core';
import { testCommon, waitFor } from '@mixwatch/test/helpers';
import { ADDR, fresh, harmonyHorizon, ScenarioBuilder } from '../../../test/e2e/scenarios/index.ts';
import { keyedWithClosing, raised, replicaFixture } from './replicas.ts';

// Two detect replicas over a real Kafka broker, sharing one ClickHouse store (chDB here, as a
// ClickHouse server would be shared) with a sink. The flows group is exclusive: the replica that
// joined first handles every flow, the other stands by. When the first one leaves, the standby
// takes over: it restores taint and windows from the store, so a deposit by an address the first
// replica tainted months earlier still alerts, and nothing the first replica alerted on is raised
// again.
describe('detect replicas: one active, one standby that takes over with the state', { timeout: 300_000 }, () => {
  const fx = replicaFixture('standby', { partitions: 3 });
  const gauge = async (common: Common) => (await common.metrics.detectActive.get()).values[0]?.value;

  it('the standby handles nothing, then takes over with the taint the first replica derived', async () => {
    const { bus: sinkBus, alerts } = await fx.startSink();

    const first = testCommon();
    const firstBus = await fx.bus(first);
    const firstRole = await fx.startDetect(first, firstBus);
    await waitFor('the first replica to hold the flows', async () => (await gauge(first)) === 1, 60_000);
    const second = testCommon();
    const secondBus = await fx.bus(second);
    await fx.startDetect(second, secondBus);
    await waitFor(
      'the second replica to join as a standby',
      async () => secondBus.status().every((s) => s.state === 'running') && (await gauge(second)) === 0,
      60_000,
    );
    assert.equal(await gauge(first), 1, 'the first replica keeps the partitions when another joins');

    // Phase 1: the Harmony Horizon laundering, handled by the first replica.
    const scenario = harmonyHorizon();
    await sinkBus.publish(TOPICS.flows, keyedWithClosing(scenario.steps.map((s) => s.message)));
    await waitFor('the Harmony alerts', async () => alerts.some((a) => a.rule === 'freezable_exposure'), 60_000);
    for (const e of scenario.expect)
      assert.ok(
        alerts.some((a) => a.rule === e.rule),
        `missing ${e.rule}`,
      );
    assert.deepEqual(await raised(second), [], 'the standby raised nothing');
    assert.ok((await raised(first)).length > 0);
    const firstIds = new Set(alerts.map((a) => a.alert_id));

    // The first replica leaves; the standby takes every partition.
    await firstRole.stop();
    await firstBus.close();
    await waitFor('the standby to take over', async () => (await gauge(second)) === 1, 60_000);

    // Phase 2, 206 days later: the Tornado withdrawal recipient (tainted by the first replica via
    // the mixer heuristic) deposits again. Only restored taint can make this alert.
    const w = fresh('harmony_horizon', 'withdrawal-recipient');
    // (Later blocks too: the sink may store this flow before the new holder restores, and the
    // restore tells new flows from handled ones by block number against the detect cursor.)
    const later = new ScenarioBuilder('harmony_horizon/second-wave', scenario.start + 206 * 86_400, 18_500_000);
    later.tornadoDeposit(0, w, ADDR.tornado10Eth, 'ethereum', 10n * 10n ** 18n);
    await sinkBus.publish(TOPICS.flows, keyedWithClosing(later.steps.map((s) => s.message)));
    await waitFor(
      'the second-wave alert from the new holder',
      async () => alerts.some((a) => a.rule === 'sanctioned_mixer_deposit' && a.address === w),
      60_000,
    );
    const hit = alerts.find((a) => a.rule === 'sanctioned_mixer_deposit' && a.address === w)!;
    assert.equal((hit.details.taint as { via: string }).via, 'mixer');
    assert.deepEqual(await raised(second), ['sanctioned_mixer_deposit×1'], 'the new holder raised only the new alert');
    assert.deepEqual(
      alerts.filter((a) => a !== hit && !firstIds.has(a.alert_id)).map((a) => a.rule),
      [],
    );
  });
});
