import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKafkaBus, type KafkaBus, TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import type { Alert, Common, FlowMessage } from '@mixwatch/core';
import type { RoleHandle } from '@mixwatch/runtime';
import { startSink } from '@mixwatch/sink';
import { createStore, type Store } from '@mixwatch/store';
import { tempDir, testCommon, waitFor } from '@mixwatch/test/helpers';
import { ADDR, closingCheckpoints, fresh, harmonyHorizon, ScenarioBuilder } from '../../../test/e2e/scenarios/index.ts';
import { type KafkaTestBroker, randomName, startKafka } from '../../../test/helpers/kafka.ts';
import { startDetect } from '../src/role.ts';

// Two detect replicas over a real Kafka broker, sharing one ClickHouse store (chDB here, as a
// ClickHouse server would be shared) with a sink. The flows group is exclusive: the replica that
// joined first handles every flow, the other stands by. When the first one leaves, the standby
// takes over: it restores taint and windows from the store, so a deposit by an address the first
// replica tainted months earlier still alerts, and nothing the first replica alerted on is raised
// again.
describe('detect replicas: one active, one standby that takes over with the state', { timeout: 300_000 }, () => {
  let broker: KafkaTestBroker;
  let store: Store;
  const tmp = tempDir('mixwatch-detect-standby-');
  const prefix = randomName('standby');
  const buses: KafkaBus[] = [];
  const roles: RoleHandle[] = [];

  before(async () => {
    broker = await startKafka();
    store = await createStore({ common: testCommon(), dataDir: tmp.dir });
    await store.migrate();
  });
  after(async () => {
    for (const r of roles) await r.stop().catch(() => {});
    for (const b of buses) await b.close().catch(() => {});
    await store?.close();
    await broker?.stop();
    tmp.remove();
  });

  const config = () =>
    parseConfig({ dataDir: tmp.dir, http: { port: 0 }, chains: { ethereum: {}, tron: {} }, bus: { kafka: { brokers: broker.brokers } } });
  async function bus(common: Common): Promise<KafkaBus> {
    const b = await createKafkaBus({
      common,
      brokers: broker.brokers,
      topicPrefix: `${prefix}.`,
      groupPrefix: `${prefix}.`,
      partitions: 3,
      sessionTimeoutMs: 6_000,
    });
    buses.push(b);
    return b;
  }
  const gauge = async (common: Common) => (await common.metrics.detectActive.get()).values[0]?.value;
  const raised = async (common: Common) =>
    (await common.metrics.alerts.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.rule}×${v.value}`);
  const withClosing = (messages: FlowMessage[]) => [...messages, ...closingCheckpoints(messages)];
  const keyed = (messages: FlowMessage[]) =>
    messages.map((m) => ({ key: String(m.type === 'flow' ? m.flow.chain_id : 'chain_id' in m ? m.chain_id : 0), value: m }));

  it('the standby handles nothing, then takes over with the taint the first replica derived', async () => {
    const sinkCommon = testCommon();
    const sinkBus = await bus(sinkCommon);
    roles.push(await startSink({ config: config(), common: sinkCommon, bus: sinkBus, store }));
    const alerts: Alert[] = [];
    await sinkBus.subscribe(TOPICS.alerts, 'test', async (records) => {
      for (const r of records) alerts.push(r.value);
    });

    const first = testCommon();
    const firstBus = await bus(first);
    const firstRole = await startDetect({ config: config(), common: first, bus: firstBus, store });
    roles.push(firstRole);
    await waitFor('the first replica to hold the flows', async () => (await gauge(first)) === 1, 60_000);
    const second = testCommon();
    const secondBus = await bus(second);
    roles.push(await startDetect({ config: config(), common: second, bus: secondBus, store }));
    await waitFor(
      'the second replica to join as a standby',
      async () => secondBus.status().every((s) => s.state === 'running') && (await gauge(second)) === 0,
      60_000,
    );
    assert.equal(await gauge(first), 1, 'the first replica keeps the partitions when another joins');

    // Phase 1: the Harmony Horizon laundering, handled by the first replica.
    const scenario = harmonyHorizon();
    await sinkBus.publish(TOPICS.flows, keyed(withClosing(scenario.steps.map((s) => s.message))));
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
    await sinkBus.publish(TOPICS.flows, keyed(withClosing(later.steps.map((s) => s.message))));
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
