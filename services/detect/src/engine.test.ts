import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBusValidator } from '@mixwatch/bus';
import { detectConfigSchema } from '@mixwatch/config';
import type { Alert, FlowMessage } from '@mixwatch/core';
import { builtinLabels } from '@mixwatch/labels';
import { checkScenario, replayScenario, scenarioDetector } from '../../../test/e2e/scenarios/evaluate.ts';
import { ADDR, allScenarios, eth, fresh, ScenarioBuilder, START, usdt } from '../../../test/e2e/scenarios/index.ts';
import { createDetector } from './engine.ts';

const labels = builtinLabels();
const detector = (overrides: Record<string, unknown> = {}, watchedChains?: string[]) =>
  createDetector({ config: detectConfigSchema.parse(overrides), labels, now: () => 0, ...(watchedChains ? { watchedChains } : {}) });

function run(d: ReturnType<typeof detector>, messages: FlowMessage[]): Alert[] {
  return messages.flatMap((m) => d.process(m).alerts);
}

const msgs = (b: ScenarioBuilder) => b.steps.map((s) => s.message);

describe('every scenario, replayed as data', () => {
  for (const s of allScenarios()) {
    test(`${s.kind} ${s.name}: ${s.summary}`, () => {
      const results = checkScenario(s, replayScenario(s));
      for (const r of results) assert.ok(r.ok, r.why);
    });
  }
});

test('every alert explains itself: rule, flows, tx hashes, addresses, hops, window, heuristic, confidence', () => {
  for (const s of allScenarios()) {
    for (const a of replayScenario(s)) {
      for (const k of ['rule', 'flows', 'tx_hashes', 'addresses', 'hops', 'window', 'heuristic', 'confidence']) {
        assert.ok(k in a.details, `${s.name} ${a.rule}: details.${k} missing`);
      }
      assert.equal(typeof a.details.confidence, 'number');
      assert.ok(a.title.length > 10);
      assert.match(a.alert_id, /^[0-9a-f]{32}$/);
    }
  }
});

test('every alert and every scenario flow conforms to the Kafka topic contracts (schemas/kafka)', () => {
  const v = createBusValidator();
  for (const s of allScenarios()) {
    for (const st of s.steps) {
      const r = v.check('mixwatch.flows.v1', st.message);
      assert.ok(r.ok, `${s.name}: ${r.ok ? '' : r.reason}`);
    }
    for (const a of replayScenario(s)) {
      const r = v.check('mixwatch.alerts.v1', JSON.parse(JSON.stringify(a)));
      assert.ok(r.ok, `${s.name} ${a.rule}: ${r.ok ? '' : r.reason}`);
    }
  }
});

describe('determinism and idempotency', () => {
  test('replaying a scenario twice into one detector adds no alert and no row (at-least-once bus)', () => {
    for (const s of allScenarios().filter((x) => x.kind === 'positive' && x.tickAfter === undefined)) {
      const d = scenarioDetector(s);
      const first = s.steps.flatMap((st) => d.process(st.message).alerts).length;
      assert.ok(first > 0, s.name);
      const again = s.steps.map((st) => d.process(st.message));
      const flowsAgain = again.filter((_o, i) => s.steps[i]!.message.type === 'flow');
      assert.deepEqual(
        flowsAgain.flatMap((o) => [...o.alerts, ...o.taint, ...o.taintFlows, ...o.pairs]),
        [],
        `${s.name}: duplicate flows must be ignored`,
      );
    }
  });

  test('alert ids depend on the evidence, not on when it was processed', () => {
    for (const s of allScenarios()) {
      const a = replayScenario(
        s,
        scenarioDetector(s, () => 1),
      ).map((x) => x.alert_id);
      const b = replayScenario(
        s,
        scenarioDetector(s, () => 9_999_999_999),
      ).map((x) => x.alert_id);
      assert.deepEqual(a, b, s.name);
    }
  });
});

describe('taint propagation', () => {
  test('labelled addresses start taint; registry contracts on the SDN list (Tornado pools) do not', () => {
    const d = detector();
    assert.equal(d.taintOf(ADDR.harmony1)?.score, 1);
    assert.equal(d.taintOf(ADDR.ronin.toUpperCase().replace('0X', '0x'))?.hops, 0, 'EVM addresses match case-insensitively');
    assert.equal(d.taintOf(ADDR.tornado100Eth), undefined);
    assert.equal(d.taintOf(ADDR.tronSdn)?.score, 1, 'TRON base58 label');
  });

  test('a user watchlist label (mixwatch labels import) starts taint like an SDN entry', () => {
    const mule = fresh('watchlist', 'mule');
    const d = createDetector({
      config: detectConfigSchema.parse({}),
      labels: [
        ...labels,
        { address: mule, chain: 'ethereum', label: 'case 114 mule', category: 'watchlist', source: 'internal case file' },
      ],
    });
    const b = new ScenarioBuilder('watchlist', START);
    b.tornadoDeposit(0, mule);
    const alerts = run(d, msgs(b));
    assert.equal(alerts[0]?.rule, 'sanctioned_mixer_deposit');
    assert.equal((alerts[0]?.details.taint as { origin_label: string } | undefined)?.origin_label, 'case 114 mule');
  });

  test('USDT and native transfers propagate with hops and path; dust does not', () => {
    const b = new ScenarioBuilder('propagation', START);
    const a1 = fresh('propagation', 'a1');
    const a2 = fresh('propagation', 'a2');
    const dusted = fresh('propagation', 'dusted');
    b.usdtTransfer(0, ADDR.harmony1, a1, 5_000);
    b.nativeTransfer(60, a1, a2, 3);
    b.usdtTransfer(120, ADDR.harmony1, dusted, 1);
    const d = detector();
    run(d, msgs(b));
    assert.deepEqual(d.taintOf(a1)?.path, [ADDR.harmony1, a1]);
    const t2 = d.taintOf(a2);
    assert.equal(t2?.hops, 2);
    assert.equal(t2?.via, 'native_transfer');
    assert.deepEqual(t2?.path, [ADDR.harmony1, a1, a2]);
    assert.equal(d.taintOf(dusted), undefined);
  });

  test('maxHops bounds propagation', () => {
    const b = new ScenarioBuilder('hops', START);
    const chain = Array.from({ length: 5 }, (_, i) => fresh('hops', `h${i}`));
    b.usdtTransfer(0, ADDR.harmony1, chain[0]!, 5_000);
    for (let i = 0; i < 4; i++) b.usdtTransfer(60 * (i + 1), chain[i]!, chain[i + 1]!, 4_000);
    const d = detector({ taint: { maxHops: 3 } });
    run(d, msgs(b));
    assert.equal(d.taintOf(chain[2]!)?.hops, 3);
    assert.equal(d.taintOf(chain[3]!), undefined);
  });
});

describe('mixer linking heuristics', () => {
  const pool = ADDR.tornado100Eth;

  test('anonymity set: the withdrawal score is tainted deposits / all deposits of the pool in the window', () => {
    const b = new ScenarioBuilder('anon', START);
    b.tornadoDeposit(0, ADDR.harmony1, pool);
    for (let i = 0; i < 3; i++) b.tornadoDeposit(600 * (i + 1), fresh('anon', `u${i}`), pool);
    const w = fresh('anon', 'w');
    b.tornadoWithdrawal(8 * 3600, w, pool);
    const d = detector({ mixer: { fifoMaxDelaySec: 60 } });
    run(d, msgs(b));
    const t = d.taintOf(w);
    assert.equal(t?.score, 0.25);
    assert.equal(t?.heuristic, 'anonymity_set');
    assert.equal(t?.hops, 1);
  });

  test('a pool of mostly ordinary deposits does not taint its withdrawers (score below minScore)', () => {
    const b = new ScenarioBuilder('anon-low', START);
    b.tornadoDeposit(0, ADDR.harmony1, pool);
    for (let i = 0; i < 9; i++) b.tornadoDeposit(600 * (i + 1), fresh('anon-low', `u${i}`), pool);
    const w = fresh('anon-low', 'w');
    b.tornadoWithdrawal(9 * 3600, w, pool);
    const d = detector({ mixer: { fifoMaxDelaySec: 60 } });
    run(d, msgs(b));
    assert.equal(d.taintOf(w), undefined);
  });

  test('address match: the tainted depositor withdraws to itself (named in the mixer_to_bridge evidence)', () => {
    const b = new ScenarioBuilder('match', START);
    const t0 = fresh('match', 'tainted');
    b.usdtTransfer(0, ADDR.harmony1, t0, 5_000);
    b.tornadoDeposit(60, t0, pool);
    for (let i = 0; i < 9; i++) b.tornadoDeposit(600 * (i + 1), fresh('match', `u${i}`), pool);
    b.tornadoWithdrawal(9 * 3600, t0, pool);
    b.bridge(10 * 3600, {
      action: 'bridge_out',
      chain: 'ethereum',
      service: 'across',
      contract: ADDR.acrossEthereum,
      from: t0,
      to: t0,
      symbol: 'ETH',
      token: 'native',
      amount: eth(99),
      decimals: 18,
      counterparty: 'arbitrum',
      ref: '1:77',
    });
    const d = detector({ mixer: { fifoMaxDelaySec: 60 } });
    const alert = run(d, msgs(b)).find((a) => a.rule === 'mixer_to_bridge');
    assert.deepEqual(alert?.details.withdrawal_heuristics, ['anonymity_set', 'address_match']);
    assert.equal(alert?.details.confidence, 1, 'the sender itself is tainted (score 1)');
  });

  test('linked addresses: the withdrawer had sent funds to a tainted depositor', () => {
    const b = new ScenarioBuilder('linked', START);
    const dep = fresh('linked', 'dep');
    const w = fresh('linked', 'w');
    b.usdtTransfer(0, ADDR.harmony1, dep, 5_000);
    b.usdtTransfer(30, w, dep, 500);
    b.tornadoDeposit(60, dep, pool);
    for (let i = 0; i < 9; i++) b.tornadoDeposit(600 * (i + 1), fresh('linked', `u${i}`), pool);
    b.tornadoWithdrawal(9 * 3600, w, pool);
    const d = detector({ mixer: { fifoMaxDelaySec: 60 } });
    run(d, msgs(b));
    assert.match(d.taintOf(w)?.heuristic ?? '', /linked_addresses/);
    assert.equal(d.taintOf(w)?.score, 0.8);
  });

  test('multi-denomination profile within 24 h', () => {
    const b = new ScenarioBuilder('multi', START);
    b.tornadoDeposit(0, ADDR.harmony1, ADDR.tornado100Eth);
    b.tornadoDeposit(60, ADDR.harmony1, ADDR.tornado10Eth, 'ethereum', eth(10));
    for (let i = 0; i < 9; i++) {
      b.tornadoDeposit(600 * (i + 1), fresh('multi', `u${i}`), ADDR.tornado100Eth);
      b.tornadoDeposit(600 * (i + 1) + 5, fresh('multi', `v${i}`), ADDR.tornado10Eth, 'ethereum', eth(10));
    }
    const w = fresh('multi', 'w');
    b.tornadoWithdrawal(9 * 3600, w, ADDR.tornado100Eth);
    b.tornadoWithdrawal(9 * 3600 + 300, w, ADDR.tornado10Eth);
    const d = detector({ mixer: { fifoMaxDelaySec: 60 } });
    run(d, msgs(b));
    assert.match(d.taintOf(w)?.heuristic ?? '', /multi_denomination/);
    assert.equal(d.taintOf(w)?.score, 0.7);
  });

  test('FIFO timing: the withdrawal right after a tainted deposit consumes it', () => {
    const b = new ScenarioBuilder('fifo', START);
    b.tornadoDeposit(0, ADDR.harmony1, pool);
    for (let i = 0; i < 9; i++) b.tornadoDeposit(60 * (i + 1), fresh('fifo', `u${i}`), pool);
    const w = fresh('fifo', 'w');
    b.tornadoWithdrawal(3600, w, pool);
    const d = detector();
    run(d, msgs(b));
    assert.match(d.taintOf(w)?.heuristic ?? '', /fifo_timing/);
    assert.equal(d.taintOf(w)?.score, 0.6);
  });
});

describe('bridge pairing', () => {
  const leg = { service: 'stargate', symbol: 'USDT', decimals: 6 };
  test('pairs by ref whichever leg arrives first, by amount/time otherwise; counts the pairing rate', () => {
    const b = new ScenarioBuilder('pairing', START);
    const r = fresh('pairing', 'r');
    b.bridge(300, {
      ...leg,
      action: 'bridge_in',
      chain: 'arbitrum',
      contract: ADDR.stargateUsdtArbitrum,
      from: ADDR.stargateUsdtArbitrum,
      to: r,
      token: ADDR.usdtArbitrum,
      amount: usdt(999),
      counterparty: 'ethereum',
      ref: 'x:1',
    });
    b.bridge(0, {
      ...leg,
      action: 'bridge_out',
      chain: 'ethereum',
      contract: ADDR.stargateUsdtEthereum,
      from: ADDR.ronin,
      to: r,
      token: ADDR.usdtEthereum,
      amount: usdt(1000),
      counterparty: 'arbitrum',
      ref: 'x:1',
    });
    b.bridge(600, {
      ...leg,
      action: 'bridge_out',
      chain: 'ethereum',
      contract: ADDR.stargateUsdtEthereum,
      from: fresh('pairing', 'u'),
      to: fresh('pairing', 'u'),
      token: ADDR.usdtEthereum,
      amount: usdt(1000),
      counterparty: 'arbitrum',
    });
    b.bridge(650, {
      ...leg,
      action: 'bridge_in',
      chain: 'arbitrum',
      contract: ADDR.stargateUsdtArbitrum,
      from: ADDR.stargateUsdtArbitrum,
      to: fresh('pairing', 'u'),
      token: ADDR.usdtArbitrum,
      amount: usdt(900),
      counterparty: 'ethereum',
    });
    const d = detector();
    const out = msgs(b).map((m) => d.process(m));
    const pairs = out.flatMap((o) => o.pairs);
    assert.equal(pairs.length, 1, 'the 10 % haircut is above the 3 % fee tolerance');
    assert.equal(pairs[0]?.method, 'ref');
    assert.equal(d.taintOf(r)?.via, 'bridge_pair');
    assert.deepEqual(d.pairing, { departures: 2, paired: 1 });
    const hop = out.flatMap((o) => o.alerts).find((a) => a.rule === 'tainted_bridge_hop');
    assert.equal((hop?.details.pairing as { method: string } | undefined)?.method, 'ref');
  });

  test('a tainted departure towards an unwatched chain alerts unpaired and taints the recipient', () => {
    const b = new ScenarioBuilder('unwatched', START);
    const r = fresh('unwatched', 'r');
    b.bridge(0, {
      ...leg,
      action: 'bridge_out',
      chain: 'ethereum',
      contract: ADDR.stargateUsdtEthereum,
      from: ADDR.ronin,
      to: r,
      token: ADDR.usdtEthereum,
      amount: usdt(1000),
      counterparty: 'avalanche',
      ref: 'y:1',
    });
    const d = detector({}, ['ethereum']);
    const alerts = run(d, msgs(b));
    const hop = alerts.find((a) => a.rule === 'tainted_bridge_hop');
    assert.equal(hop?.details.paired, false);
    assert.equal(d.taintOf(r)?.via, 'bridge_out');
  });
});

test('a tainted departure to TRON naming the recipient in hex taints its base58 form', () => {
  const b = new ScenarioBuilder('tron-hex', START);
  const hex = fresh('tron-hex', 'r');
  b.bridge(0, {
    action: 'bridge_out',
    chain: 'ethereum',
    service: 'allbridge',
    contract: ADDR.allbridgeEthereum,
    from: ADDR.ronin,
    to: hex,
    token: ADDR.usdtEthereum,
    symbol: 'USDT',
    amount: usdt(1000),
    decimals: 6,
    counterparty: 'tron',
  });
  const d = detector({}, ['ethereum']);
  run(d, msgs(b));
  const t = [...d.taint.values()][0];
  assert.match(t?.address ?? '', /^T[1-9A-HJ-NP-Za-km-z]{33}$/);
  assert.equal(t?.via, 'bridge_out');
});

describe('reorgs', () => {
  test('a retraction forgets the orphaned flows and the taint they created; the re-mined flow is handled afresh', () => {
    const b = new ScenarioBuilder('reorg', START);
    const a1 = fresh('reorg', 'a1');
    const f = b.usdtTransfer(0, ADDR.harmony1, a1, 5_000);
    const d = detector();
    run(d, msgs(b));
    assert.ok(d.taintOf(a1));
    const gone = d.onRetract('ethereum', f.block_number - 1);
    assert.deepEqual(gone, [f.flow_id]);
    assert.equal(d.taintOf(a1), undefined);
    assert.equal(d.process({ type: 'flow', flow: f }).taint.length, 1);
  });
});

describe('pipeline_health', () => {
  test('one alert per outage: repeated failing heartbeats keep the id; a new outage gets a new one', () => {
    const b = new ScenarioBuilder('health', START);
    b.heartbeat(0, 'ethereum', { head: 100, cursor: 90, rpc_failures: 6 });
    b.heartbeat(12, 'ethereum', { head: 100, cursor: 90, rpc_failures: 7 });
    b.heartbeat(24, 'ethereum', { head: 101, cursor: 95, rpc_failures: 0 });
    b.heartbeat(36, 'ethereum', { head: 102, cursor: 95, rpc_failures: 5 });
    const d = detector();
    const alerts = run(d, msgs(b));
    assert.equal(alerts.length, 2);
    assert.notEqual(alerts[0]?.alert_id, alerts[1]?.alert_id);
    assert.equal(alerts[0]?.details.condition, 'rpc_failures');
  });

  test('lag is measured in blocks × block time, not against the wall clock', () => {
    const b = new ScenarioBuilder('lag', START - 400 * 86_400);
    b.heartbeat(0, 'ethereum', { head: 1_000, cursor: 990 });
    b.heartbeat(12, 'ethereum', { head: 1_200, cursor: 1_000 });
    const d = detector();
    const alerts = run(d, msgs(b));
    assert.deepEqual(
      alerts.map((a) => a.details.condition),
      ['lag'],
    );
    assert.equal(alerts[0]?.details.lag_blocks, 200);
  });
});

test('config defaults are documented values', () => {
  const c = detectConfigSchema.parse(undefined);
  assert.equal(c.taint.minScore, 0.2);
  assert.equal(c.rules.denominationBurst.windowSec, 3600);
  assert.throws(() => detectConfigSchema.parse({ rules: { peelChain: { minHops: 1 } } }));
});

describe('replicas sharing the partitions (detect.replicas.mode = partitions)', () => {
  test('the departure replica pairs an arrival handled by another replica: the same alerts as one detector', () => {
    const s = allScenarios().find((x) => x.name === 'harmony_horizon')!;
    const reference = new Set(replayScenario(s).map((a) => a.alert_id));
    assert.ok(reference.size >= 6);
    // One replica per chain; the ethereum one handles the departure, the tron one the arrival
    // (first, as if the tron partition were ahead).
    const eth = scenarioDetector(s);
    const tron = scenarioDetector(s);
    const steps = s.steps.map((x) => x.message);
    const onTron = (m: FlowMessage) => m.type === 'flow' && m.flow.chain === 'tron';
    const alerts: Alert[] = [];
    const arrivals = steps.filter(onTron);
    for (const m of arrivals) alerts.push(...tron.process(m).alerts);
    assert.equal(tron.pendingArrivals().length, 1, 'the arrival waits: its departure is on a chain another replica handles');
    for (const m of steps.filter((x) => !onTron(x))) alerts.push(...eth.process(m).alerts);
    assert.equal(eth.pendingDepartures().length, 1);
    assert.ok(!alerts.some((a) => a.rule === 'tainted_bridge_hop'), 'no hop before the legs meet');
    // The sweep: the arrival, read from the store, is added to the departure's replica.
    for (const m of arrivals) if (m.type === 'flow') eth.addForeignArrival(m.flow);
    const swept = eth.retryDepartures();
    assert.equal(swept.pairs.length, 1);
    alerts.push(...swept.alerts);
    assert.deepEqual(new Set(alerts.map((a) => a.alert_id)), reference);
    assert.equal(eth.pendingDepartures().length, 0);
    assert.equal(eth.retryDepartures().pairs.length, 0, 'a paired departure is not paired again');
    // The tron replica forgets the arrival once it learns (from bridge_pairs) that it is paired.
    tron.dropPaired(swept.pairs.map((p) => p.in_flow_id));
    assert.equal(tron.pendingArrivals().length, 0);
  });

  test('an arrival this replica handled itself is never added again as foreign', () => {
    const s = allScenarios().find((x) => x.name === 'harmony_horizon')!;
    const d = scenarioDetector(s);
    const arrival = s.steps.map((x) => x.message).find((m) => m.type === 'flow' && m.flow.action === 'bridge_in');
    assert.ok(arrival?.type === 'flow');
    d.process(arrival);
    d.addForeignArrival(arrival.flow);
    assert.equal(d.pendingArrivals().length, 1);
  });

  test("service_consistency counts the other replicas' flows of a service", () => {
    const cfg = { rules: { serviceConsistency: { minDays: 2, minShare: 0.5, windowDays: 7 } } };
    const b = new ScenarioBuilder('sharing-days', START);
    const w = fresh('sharing-days', 'w');
    b.nativeTransfer(0, ADDR.harmony1, w, 200);
    b.tornadoDeposit(3600, w);
    const day = Math.floor((START + 3600) / 86_400);
    // Alone, one day of tainted use is below minDays.
    const alone = detector(cfg);
    assert.ok(!run(alone, msgs(b)).some((a) => a.rule === 'service_consistency'));
    // Another replica saw tainted tornado use the day before (and no untainted use).
    const shared = detector(cfg);
    shared.setForeignServiceDays([{ service: 'tornado', day: day - 1, total: 3, tainted: 3 }]);
    const hit = run(shared, msgs(b)).find((a) => a.rule === 'service_consistency');
    assert.equal(hit?.details.days_active, 2);
    assert.equal(hit?.details.all_flows, 4);
    // Refreshed counts replace the previous ones.
    const refreshed = detector(cfg);
    refreshed.setForeignServiceDays([{ service: 'tornado', day: day - 1, total: 3, tainted: 3 }]);
    refreshed.setForeignServiceDays([{ service: 'tornado', day: day - 1, total: 30, tainted: 0 }]);
    assert.ok(!run(refreshed, msgs(b)).some((a) => a.rule === 'service_consistency'));
  });
});
