import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionOfKey, TOPICS } from '@mixwatch/bus';
import type { Common } from '@mixwatch/core';
import { testCommon, waitFor } from '@mixwatch/test/helpers';
import { replayScenario, scenarioDetector } from '../../../test/e2e/scenarios/evaluate.ts';
import { ADDR, fresh, freshTron, harmonyHorizon, ScenarioBuilder } from '../../../test/e2e/scenarios/index.ts';
import { keyedWithClosing, raised, replicaFixture } from './replicas.ts';

// Two detect replicas over a real Kafka broker that share the flows partitions
// (detect.replicas.mode = partitions), with a sink and one ClickHouse store (chDB here, as a
// ClickHouse server would be shared). Two partitions: ethereum's flows (key 1) on one, TRON's
// (key 728126428) on the other, so each replica handles one chain. What crosses chains goes
// through the store: the ethereum replica pairs its bridge departure with the TRON arrival the
// other replica handled, the TRON replica reads the taint the ethereum replica derived. The alerts
// are the ones a single detector raises on the same flows, with the same ids. When one replica
// leaves, the other takes both chains and restores their state from the store.
describe('detect replicas sharing the flows partitions', { timeout: 300_000 }, () => {
  const fx = replicaFixture('partitions', { partitions: 2, detect: { replicas: { mode: 'partitions', sweepMs: 300 } } });
  const chains = async (common: Common) => (await common.metrics.detectChains.get()).values[0]?.value;

  it('each replica handles one chain; cross-chain hops and taint go through the store; one leaves, the other takes both', async () => {
    assert.notEqual(partitionOfKey('1', 2), partitionOfKey('728126428', 2), 'the two chains must be on different partitions');
    const { bus: sinkBus, alerts } = await fx.startSink();

    const a = testCommon();
    const aBus = await fx.bus(a);
    const aRole = await fx.startDetect(a, aBus);
    await waitFor('the first replica to handle both chains', async () => (await chains(a)) === 2, 60_000);
    const b = testCommon();
    const bBus = await fx.bus(b);
    const bRole = await fx.startDetect(b, bBus);
    await waitFor('the replicas to handle one chain each', async () => (await chains(a)) === 1 && (await chains(b)) === 1, 60_000);
    await waitFor('both replicas restored', async () => aRole.health().ready && bRole.health().ready, 60_000);

    // Phase 1: Harmony Horizon (ethereum: split, Tornado burst, withdrawal, Allbridge out; TRON: the arrival).
    const scenario = harmonyHorizon();
    const reference = replayScenario(scenario);
    await sinkBus.publish(TOPICS.flows, keyedWithClosing(scenario.steps.map((s) => s.message)));
    await waitFor(
      `the ${reference.length} alerts of one detector`,
      async () => new Set(alerts.map((x) => x.alert_id)).size >= reference.length,
      60_000,
    );
    assert.deepEqual(new Set(alerts.map((x) => x.alert_id)), new Set(reference.map((x) => x.alert_id)));
    const byReplica = [await raised(a), await raised(b)];
    const total = (r: string[]) => r.reduce((n, x) => n + Number(x.split('×')[1]), 0);
    assert.deepEqual(
      byReplica.map(total).sort(),
      [0, reference.length],
      `one replica (ethereum's, which pairs the hop) raised every alert, the TRON one none: ${JSON.stringify(byReplica)}`,
    );
    // A pair found by the sweep is published before its rows are written (a pair row then means
    // its alerts went out): wait for the rows, the landing address's taint among them.
    const landing = freshTron('harmony_horizon', 'tron-landing');
    let pairs: Array<{ out_chain: string; in_chain: string; tainted: number }> = [];
    await waitFor(
      'the pair row and the landing taint in the store',
      async () => {
        pairs = await fx.store.query('SELECT out_chain, in_chain, tainted FROM mixwatch.bridge_pairs FINAL');
        const t = await fx.store.query('SELECT address FROM mixwatch.taint_current WHERE address = {a:String}', { a: landing });
        return pairs.length > 0 && t.length > 0;
      },
      30_000,
    );
    assert.deepEqual(pairs, [{ out_chain: 'ethereum', in_chain: 'tron', tainted: 1 }]);
    const cursors = await fx.store.query<{ cursor_key: string }>(
      "SELECT cursor_key FROM mixwatch.cursors FINAL WHERE startsWith(cursor_key, 'detect:') ORDER BY cursor_key",
    );
    assert.deepEqual(
      cursors.map((c) => c.cursor_key),
      ['detect:1', 'detect:728126428'],
    );

    // Phase 2: the TRON landing address (tainted by the ethereum replica's pairing) forwards USDT
    // on TRON. Only the taint read from the store makes the TRON replica taint the next address.
    const landingHex = fresh('harmony_horizon', 'tron-landing');
    const next = freshTron('partitions', 'next');
    const forward = new ScenarioBuilder('harmony_horizon/forward', scenario.start + 3 * 86_400, 18_400_000);
    forward.usdtTransfer(0, landingHex, fresh('partitions', 'next'), 150_000, 'tron', ADDR.usdtTronHex);
    const single = scenarioDetector({ ...scenario, steps: [...scenario.steps, ...forward.steps] });
    replayScenario({ ...scenario, steps: [...scenario.steps, ...forward.steps] }, single);
    const expected = single.taintOf(next);
    assert.ok(expected, 'one detector taints the forwarded-to address');
    await sinkBus.publish(TOPICS.flows, keyedWithClosing(forward.steps.map((s) => s.message)));
    let stored: Array<{ hops: number; score: number; origin: string; via: string }> = [];
    await waitFor(
      'the forwarded-to address in mixwatch.taint',
      async () => {
        stored = await fx.store.query('SELECT hops, score, origin, via FROM mixwatch.taint_current WHERE address = {a:String}', {
          a: next,
        });
        return stored.length > 0;
      },
      60_000,
    );
    assert.deepEqual(stored[0], { hops: expected.hops, score: expected.score, origin: expected.origin, via: expected.via });

    // Phase 3: the replica holding ethereum leaves; the other takes both partitions, restores
    // ethereum's state from the store, and alerts on a second-wave deposit by the Tornado
    // withdrawal recipient (tainted by the mixer heuristic in phase 1) — nothing else again.
    const leaving = total(byReplica[0]!) > 0 ? 0 : 1;
    const stay = leaving === 0 ? b : a;
    const before = await raised(stay);
    await (leaving === 0 ? aRole : bRole).stop();
    await (leaving === 0 ? aBus : bBus).close();
    await waitFor('the remaining replica to handle both chains', async () => (await chains(stay)) === 2, 60_000);
    const w = fresh('harmony_horizon', 'withdrawal-recipient');
    const later = new ScenarioBuilder('harmony_horizon/second-wave', scenario.start + 206 * 86_400, 18_500_000);
    later.tornadoDeposit(0, w, ADDR.tornado10Eth, 'ethereum', 10n * 10n ** 18n);
    await sinkBus.publish(TOPICS.flows, keyedWithClosing(later.steps.map((s) => s.message)));
    await waitFor(
      'the second-wave alert',
      async () => alerts.some((x) => x.rule === 'sanctioned_mixer_deposit' && x.address === w),
      60_000,
    );
    const hit = alerts.find((x) => x.rule === 'sanctioned_mixer_deposit' && x.address === w)!;
    assert.equal((hit.details.taint as { via: string }).via, 'mixer');
    const after = await raised(stay);
    assert.deepEqual(
      after.filter((r) => !before.includes(r)),
      ['sanctioned_mixer_deposit×1'],
      'the remaining replica raised only the new alert',
    );
  });
});
