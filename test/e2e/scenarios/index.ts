/**
 * Every detection scenario: for each rule of ARCHITECTURE §4 a positive case modelled on the
 * public case record that must alert with the right evidence, and a near miss (ordinary users of
 * the same pools, bridges and tokens) that must not. Plus the Harmony Horizon story the demo plays.
 */
import { RULES } from '@mixwatch/core';
import { ADDR, eth, fresh, freshTron, type Scenario, ScenarioBuilder, usdt } from './lib.ts';

export * from './lib.ts';

/** A fixed, recent start (2026-11-02 00:00 UTC): block times in the scenarios count from here. */
export const START = 1_793_577_600;
const HOUR = 3_600;
const DAY = 86_400;
const MIN = 60;
const ALL_ZERO = RULES.filter((r) => r !== 'pipeline_health').map((rule) => ({ rule, max: 0 }));

function sanctionedMixerDeposit(): Scenario[] {
  const p = new ScenarioBuilder('sanctioned_mixer_deposit+', START);
  p.tornadoDeposit(0, ADDR.harmony1);
  const n = new ScenarioBuilder('sanctioned_mixer_deposit-', START);
  n.tornadoDeposit(0, fresh('smd-', 'alice'));
  n.tornadoDeposit(20 * MIN, fresh('smd-', 'bob'), ADDR.tornado10Eth, 'ethereum', eth(10));
  n.tornadoWithdrawal(3 * HOUR, fresh('smd-', 'carol'));
  return [
    {
      name: 'sanctioned_mixer_deposit+',
      rule: 'sanctioned_mixer_deposit',
      kind: 'positive',
      summary: 'Harmony exploiter 1 (FBI: Lazarus) deposits 100 ETH into the Tornado Cash 100 ETH pool',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'sanctioned_mixer_deposit', addresses: [ADDR.harmony1], evidence: { hops: 0, depositor: ADDR.harmony1 } }],
    },
    {
      name: 'sanctioned_mixer_deposit-',
      rule: 'sanctioned_mixer_deposit',
      kind: 'negative',
      summary: 'ordinary users deposit into the same pools and withdraw',
      start: START,
      steps: n.steps,
      expect: ALL_ZERO,
    },
  ];
}

function denominationBurst(): Scenario[] {
  const p = new ScenarioBuilder('denomination_burst+', START);
  const exploiters = [ADDR.harmony1, ADDR.harmony2, ADDR.harmony3, ADDR.harmony4, ADDR.harmony1];
  const wallets = Array.from({ length: 5 }, (_, i) => fresh('denomination_burst+', `wallet${i}`));
  wallets.forEach((w, i) => {
    p.nativeTransfer(i * 30, ADDR.harmony2, w, 101);
  });
  const gaps = [0, 7, 6, 8, 7, 6, 7, 8, 6, 7];
  let t = 10 * MIN;
  gaps.forEach((g, i) => {
    t += g * MIN;
    p.tornadoDeposit(t, i % 2 === 0 ? exploiters[i / 2]! : wallets[(i - 1) / 2]!);
  });
  const n = new ScenarioBuilder('denomination_burst-', START);
  let u = 0;
  [0, 2, 15, 3, 11, 1, 9, 14].forEach((g, i) => {
    u += g * MIN;
    n.tornadoDeposit(u, fresh('denomination_burst-', `user${i}`));
  });
  // a scripted-looking but small run of ordinary lots the next day
  [0, 7, 7, 7].forEach((g, i) => {
    u += (i === 0 ? DAY : g * MIN) as number;
    n.tornadoDeposit(u, fresh('denomination_burst-', `late${i}`));
  });
  const e = new ScenarioBuilder('denomination_burst+exploiters', START);
  let v = 0;
  [0, 6, 7, 8, 6, 7, 7, 8].forEach((g, i) => {
    v += g * MIN;
    e.tornadoDeposit(v, [ADDR.harmony1, ADDR.harmony2, ADDR.harmony3, ADDR.harmony4][i % 4]!);
  });
  return [
    {
      name: 'denomination_burst+exploiters',
      rule: 'denomination_burst',
      kind: 'positive',
      summary: 'eight 100 ETH lots every 6–8 min straight from four Harmony exploiter addresses',
      start: START,
      steps: e.steps,
      expect: [{ rule: 'denomination_burst', evidence: { pool: ADDR.tornado100Eth, lots: 6 } }],
    },
    {
      name: 'denomination_burst+',
      rule: 'denomination_burst',
      kind: 'positive',
      summary: 'WazirX/Harmony-style scripted mixing: 10 lots of 100 ETH every 6–8 min from exploiters and wallets they just funded',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'denomination_burst', evidence: { pool: ADDR.tornado100Eth } }],
    },
    {
      name: 'denomination_burst-',
      rule: 'denomination_burst',
      kind: 'negative',
      summary: 'eight ordinary 100 ETH deposits in an hour at irregular times, then four evenly spaced ones',
      start: START,
      steps: n.steps,
      expect: ALL_ZERO,
    },
  ];
}

function mixerToBridge(): Scenario[] {
  const name = 'mixer_to_bridge+';
  const p = new ScenarioBuilder(name, START);
  p.tornadoDeposit(0, ADDR.harmony1);
  p.tornadoDeposit(8 * MIN, ADDR.harmony2);
  p.tornadoDeposit(15 * MIN, fresh(name, 'bystander'));
  p.tornadoDeposit(22 * MIN, ADDR.harmony3);
  const w = fresh(name, 'withdrawer');
  p.tornadoWithdrawal(2 * HOUR, w);
  p.acrossDeposit(3 * HOUR, w, w, eth(99.9), 42161, 4_200_001);
  const n = new ScenarioBuilder('mixer_to_bridge-', START);
  for (let i = 0; i < 5; i++) n.tornadoDeposit(i * 20 * MIN, fresh('mixer_to_bridge-', `user${i}`));
  const w2 = fresh('mixer_to_bridge-', 'withdrawer');
  n.tornadoWithdrawal(3 * HOUR, w2);
  n.acrossDeposit(4 * HOUR, w2, w2, eth(99.9), 42161, 4_200_002);
  return [
    {
      name,
      rule: 'mixer_to_bridge',
      kind: 'positive',
      summary:
        'three Harmony exploiters and one bystander fill the 100 ETH pool; a fresh recipient withdraws and bridges to Arbitrum an hour later',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'mixer_to_bridge', addresses: [w], evidence: { destination_chain: 'arbitrum' } }],
    },
    {
      name: 'mixer_to_bridge-',
      rule: 'mixer_to_bridge',
      kind: 'negative',
      summary: 'a privacy user withdraws from a pool of ordinary deposits and bridges the same way',
      start: START,
      steps: n.steps,
      expect: ALL_ZERO,
    },
  ];
}

function taintedBridgeHop(): Scenario[] {
  const name = 'tainted_bridge_hop+';
  const p = new ScenarioBuilder(name, START);
  const r0 = fresh(name, 'arb-recipient-across');
  p.acrossDeposit(0, ADDR.ronin, r0, eth(500), 42_161, 5_100_001);
  p.acrossFill(6 * MIN, r0, ADDR.ronin, eth(499.4), 1, 5_100_001);
  const n = new ScenarioBuilder('tainted_bridge_hop-', START);
  const u0 = fresh('tainted_bridge_hop-', 'user0');
  n.acrossDeposit(0, u0, u0, eth(500), 42_161, 5_100_002);
  n.acrossFill(6 * MIN, u0, u0, eth(499.4), 1, 5_100_002);

  const tname = 'tainted_bridge_hop+tron';
  const t = new ScenarioBuilder(tname, START);
  const r1 = fresh(tname, 'arb-recipient');
  const r2 = freshTron(tname, 'tron-recipient');
  const leg = { service: 'stargate', symbol: 'USDT', decimals: 6, amount: usdt(500_000) };
  t.bridge(0, {
    ...leg,
    action: 'bridge_out',
    chain: 'ethereum',
    contract: ADDR.stargateUsdtEthereum,
    from: ADDR.ronin,
    to: r1,
    token: ADDR.usdtEthereum,
    counterparty: 'arbitrum',
    ref: '30101:30110:88001',
  });
  t.bridge(4 * MIN, {
    ...leg,
    action: 'bridge_in',
    chain: 'arbitrum',
    contract: ADDR.stargateUsdtArbitrum,
    from: ADDR.stargateUsdtArbitrum,
    to: r1,
    token: ADDR.usdtArbitrum,
    amount: usdt(499_850),
    counterparty: 'ethereum',
    ref: '30101:30110:88001',
  });
  const ab = { service: 'allbridge', symbol: 'USDT', decimals: 6 };
  t.bridge(1 * HOUR, {
    ...ab,
    action: 'bridge_out',
    chain: 'ethereum',
    contract: ADDR.allbridgeEthereum,
    from: ADDR.harmony2,
    to: r2,
    token: ADDR.usdtEthereum,
    amount: usdt(200_000),
    counterparty: 'tron',
  });
  t.bridge(1 * HOUR + 9 * MIN, {
    ...ab,
    action: 'bridge_in',
    chain: 'tron',
    contract: ADDR.allbridgeTronPool,
    from: ADDR.allbridgeTronPool,
    to: r2,
    token: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
    amount: usdt(199_640),
    counterparty: 'ethereum',
  });
  const tn = new ScenarioBuilder('tainted_bridge_hop-tron', START);
  const u1 = fresh('tainted_bridge_hop-tron', 'user1');
  const u2 = fresh('tainted_bridge_hop-tron', 'user2');
  tn.bridge(0, {
    ...leg,
    action: 'bridge_out',
    chain: 'ethereum',
    contract: ADDR.stargateUsdtEthereum,
    from: u1,
    to: u1,
    token: ADDR.usdtEthereum,
    counterparty: 'arbitrum',
    ref: '30101:30110:88002',
  });
  tn.bridge(5 * MIN, {
    ...leg,
    action: 'bridge_in',
    chain: 'arbitrum',
    contract: ADDR.stargateUsdtArbitrum,
    from: ADDR.stargateUsdtArbitrum,
    to: u1,
    token: ADDR.usdtArbitrum,
    amount: usdt(499_850),
    counterparty: 'ethereum',
    ref: '30101:30110:88002',
  });
  tn.bridge(HOUR, {
    ...ab,
    action: 'bridge_out',
    chain: 'ethereum',
    contract: ADDR.allbridgeEthereum,
    from: u2,
    to: freshTron('tainted_bridge_hop-tron', 'user2'),
    token: ADDR.usdtEthereum,
    amount: usdt(200_000),
    counterparty: 'tron',
  });
  tn.bridge(HOUR + 8 * MIN, {
    ...ab,
    action: 'bridge_in',
    chain: 'tron',
    contract: ADDR.allbridgeTronPool,
    from: ADDR.allbridgeTronPool,
    to: freshTron('tainted_bridge_hop-tron', 'user2'),
    token: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
    amount: usdt(199_700),
    counterparty: 'ethereum',
  });
  return [
    {
      name,
      rule: 'tainted_bridge_hop',
      kind: 'positive',
      summary: 'the Ronin exploiter (OFAC: Lazarus) bridges 500 WETH to Arbitrum through Across (paired by origin chain + depositId)',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'tainted_bridge_hop', addresses: [r0], evidence: { paired: true, heuristic: "bridge's own message id" } }],
    },
    {
      name: 'tainted_bridge_hop-',
      rule: 'tainted_bridge_hop',
      kind: 'negative',
      summary: 'an ordinary user makes the same Across transfer',
      start: START,
      steps: n.steps,
      expect: ALL_ZERO,
    },
    {
      name: tname,
      rule: 'tainted_bridge_hop',
      kind: 'positive',
      summary:
        'the Ronin exploiter bridges USDT to Arbitrum via Stargate (LayerZero nonce); a Harmony exploiter bridges USDT to TRON via Allbridge (paired by amount and time)',
      start: START,
      steps: t.steps,
      expect: [
        { rule: 'tainted_bridge_hop', min: 2, evidence: { paired: true } },
        { rule: 'tainted_bridge_hop', addresses: [r2], evidence: { paired: true, heuristic: 'amount, token and time window' } },
      ],
    },
    {
      name: 'tainted_bridge_hop-tron',
      rule: 'tainted_bridge_hop',
      kind: 'negative',
      summary: 'ordinary users make the same Stargate and Allbridge transfers',
      start: START,
      steps: tn.steps,
      expect: ALL_ZERO,
    },
  ];
}

function stablecoinExit(): Scenario[] {
  const name = 'stablecoin_exit+';
  const p = new ScenarioBuilder(name, START);
  const a = fresh(name, 'otc-desk-deposit');
  p.usdtTransfer(0, ADDR.harmony3, a, 48_000);
  const n = new ScenarioBuilder('stablecoin_exit-', START);
  n.usdtTransfer(0, fresh('stablecoin_exit-', 'user1'), fresh('stablecoin_exit-', 'user2'), 48_000);
  n.usdtTransfer(10 * MIN, fresh('stablecoin_exit-', 'user3'), ADDR.harmony3, 2_000);
  n.usdtTransfer(20 * MIN, ADDR.harmony3, fresh('stablecoin_exit-', 'dusted'), 5);
  return [
    {
      name,
      rule: 'stablecoin_exit',
      kind: 'positive',
      summary: 'a Harmony exploiter moves 48,000 USDT to a fresh address',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'stablecoin_exit', addresses: [ADDR.harmony3], evidence: { holder: a } }],
    },
    {
      name: 'stablecoin_exit-',
      rule: 'stablecoin_exit',
      kind: 'negative',
      summary: 'ordinary USDT payments, a payment *to* the exploiter, and a 5 USDT dusting from it',
      start: START,
      steps: n.steps,
      expect: [
        { rule: 'stablecoin_exit', max: 0 },
        { rule: 'freezable_exposure', max: 0 },
      ],
    },
  ];
}

function peelChain(): Scenario[] {
  const name = 'peel_chain+';
  const p = new ScenarioBuilder(name, START);
  const hops = Array.from({ length: 5 }, (_, i) => fresh(name, `hop${i}`));
  p.usdtTransfer(0, ADDR.harmony4, hops[0]!, 1_000_000);
  let amount = 1_000_000;
  for (let i = 0; i < 4; i++) {
    const peel = Math.round(amount * 0.06);
    p.usdtTransfer((i + 1) * 40 * MIN, hops[i]!, fresh(name, `peel${i}`), peel);
    amount -= peel;
    p.usdtTransfer((i + 1) * 40 * MIN + 5 * MIN, hops[i]!, hops[i + 1]!, amount);
  }
  const n = new ScenarioBuilder('peel_chain-', START);
  const q = Array.from({ length: 5 }, (_, i) => fresh('peel_chain-', `q${i}`));
  n.usdtTransfer(0, fresh('peel_chain-', 'treasury'), q[0]!, 1_000_000);
  for (let i = 0; i < 4; i++) n.usdtTransfer((i + 1) * 30 * MIN, q[i]!, q[i + 1]!, 990_000 - i * 10_000);
  const h = Array.from({ length: 4 }, (_, i) => fresh('peel_chain-', `half${i}`));
  n.usdtTransfer(DAY, ADDR.harmony4, h[0]!, 40_000);
  for (let i = 0; i < 3; i++) n.usdtTransfer(DAY + (i + 1) * 30 * MIN, h[i]!, h[i + 1]!, 40_000 / 2 ** (i + 1));
  return [
    {
      name,
      rule: 'peel_chain',
      kind: 'positive',
      summary: 'a Harmony exploiter sends 1M USDT down a chain of fresh addresses, each peeling off ~6% and forwarding the rest',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'peel_chain', evidence: { hops: 3 } }],
    },
    {
      name: 'peel_chain-',
      rule: 'peel_chain',
      kind: 'negative',
      summary: 'an untainted treasury forwarding the same way, and a tainted address whose recipients each keep half',
      start: START,
      steps: n.steps,
      expect: [{ rule: 'peel_chain', max: 0 }],
    },
  ];
}

function issuerFreeze(): Scenario[] {
  const p = new ScenarioBuilder('issuer_freeze+', START);
  p.tetherIssuer(0, 'freeze', ADDR.harmony2);
  p.tetherIssuer(2 * DAY, 'destroy', ADDR.harmony2, 1_250_000);
  const n = new ScenarioBuilder('issuer_freeze-', START);
  n.tetherIssuer(0, 'freeze', fresh('issuer_freeze-', 'scammer'));
  n.tetherIssuer(DAY, 'unfreeze', fresh('issuer_freeze-', 'scammer'));
  return [
    {
      name: 'issuer_freeze+',
      rule: 'issuer_freeze',
      kind: 'positive',
      summary: 'Tether blacklists a Harmony exploiter address and destroys its 1.25M USDT',
      start: START,
      steps: p.steps,
      expect: [
        { rule: 'issuer_freeze', addresses: [ADDR.harmony2], evidence: { issuer_action: 'freeze' } },
        { rule: 'issuer_freeze', addresses: [ADDR.harmony2], evidence: { issuer_action: 'destroy' } },
      ],
    },
    {
      name: 'issuer_freeze-',
      rule: 'issuer_freeze',
      kind: 'negative',
      summary: 'Tether freezes and releases an address nobody watches',
      start: START,
      steps: n.steps,
      expect: ALL_ZERO,
    },
  ];
}

function freezableExposure(): Scenario[] {
  const name = 'freezable_exposure+';
  const p = new ScenarioBuilder(name, START);
  const holder = fresh(name, 'holder');
  p.usdtTransfer(0, ADDR.harmony1, holder, 6_000);
  p.usdtTransfer(HOUR, ADDR.harmony1, holder, 244_000);
  const n = new ScenarioBuilder('freezable_exposure-', START);
  n.usdtTransfer(0, ADDR.harmony1, fresh('freezable_exposure-', 'small'), 5_000);
  n.usdtTransfer(HOUR, fresh('freezable_exposure-', 'whale'), fresh('freezable_exposure-', 'whale2'), 1_000_000);
  return [
    {
      name,
      rule: 'freezable_exposure',
      kind: 'positive',
      summary: 'a Harmony exploiter parks 250,000 USDT (freezable by Tether) on a fresh address',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'freezable_exposure', addresses: [holder], evidence: { holder, token_symbol: 'USDT' } }],
    },
    {
      name: 'freezable_exposure-',
      rule: 'freezable_exposure',
      kind: 'negative',
      summary: 'a tainted address holds 5,000 USDT (below the bound); an untainted whale moves 1M',
      start: START,
      steps: n.steps,
      expect: [{ rule: 'freezable_exposure', max: 0 }],
    },
  ];
}

function serviceConsistency(): Scenario[] {
  const p = new ScenarioBuilder('service_consistency+', START);
  const days = [0, 3, 7, 12];
  days.forEach((d, i) => {
    for (let k = 0; k < 5; k++)
      p.tornadoDeposit(d * DAY + k * HOUR, fresh('service_consistency+', `user${i}-${k}`), ADDR.tornado10Eth, 'ethereum', eth(10));
    p.tornadoDeposit(
      d * DAY + 6 * HOUR,
      [ADDR.harmony1, ADDR.harmony2, ADDR.harmony3, ADDR.harmony4][i]!,
      ADDR.tornado10Eth,
      'ethereum',
      eth(10),
    );
  });
  const n = new ScenarioBuilder('service_consistency-', START);
  for (let d = 0; d < 14; d++) {
    for (let k = 0; k < 3; k++)
      n.tornadoDeposit(d * DAY + k * HOUR, fresh('service_consistency-', `user${d}-${k}`), ADDR.tornado10Eth, 'ethereum', eth(10));
  }
  n.tornadoDeposit(2 * DAY + 5 * HOUR, ADDR.harmony1, ADDR.tornado10Eth, 'ethereum', eth(10));
  n.tornadoDeposit(9 * DAY + 5 * HOUR, ADDR.harmony2, ADDR.tornado10Eth, 'ethereum', eth(10));
  return [
    {
      name: 'service_consistency+',
      rule: 'service_consistency',
      kind: 'positive',
      summary: 'Harmony exploiters use Tornado Cash on 4 separate days within two weeks (Recommendation 11: consistent use)',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'service_consistency', evidence: { service: 'tornado', days_active: 3 } }],
    },
    {
      name: 'service_consistency-',
      rule: 'service_consistency',
      kind: 'negative',
      summary: 'tainted use of the same pool on only two days among two weeks of ordinary use',
      start: START,
      steps: n.steps,
      expect: [{ rule: 'service_consistency', max: 0 }],
    },
  ];
}

function pipelineHealth(): Scenario[] {
  const p = new ScenarioBuilder('pipeline_health+', START);
  let head = 21_000_000;
  for (let i = 0; i < 10; i++) {
    head += 1;
    p.heartbeat(i * 12, 'ethereum', {
      head,
      cursor: head - 12,
      rpc_failures: i < 4 ? 0 : i - 3,
      last_error: i < 4 ? '' : 'HTTP 503 from rpc host',
    });
  }
  const s = new ScenarioBuilder('pipeline_health+silence', START);
  for (let i = 0; i < 5; i++) s.heartbeat(i * 4, 'bsc', { head: 50_000_000 + i * 5, cursor: 50_000_000 + i * 5 - 15 });
  const n = new ScenarioBuilder('pipeline_health-', START);
  head = 21_000_000;
  for (let i = 0; i < 60; i++) {
    head += 1;
    n.heartbeat(i * 12, 'ethereum', { head, cursor: head - 14, rpc_failures: i % 7 === 3 ? 1 : i % 7 === 4 ? 2 : 0 });
  }
  return [
    {
      name: 'pipeline_health+',
      rule: 'pipeline_health',
      kind: 'positive',
      summary: 'the Ethereum RPC starts failing every poll',
      start: START,
      steps: p.steps,
      expect: [{ rule: 'pipeline_health', evidence: { condition: 'rpc_failures' } }],
    },
    {
      name: 'pipeline_health+silence',
      rule: 'pipeline_health',
      kind: 'positive',
      summary: 'the BSC ingest stops sending heartbeats (a silent outage)',
      start: START,
      steps: s.steps,
      tickAfter: 600,
      expect: [{ rule: 'pipeline_health', evidence: { condition: 'silent' } }],
    },
    {
      name: 'pipeline_health-',
      rule: 'pipeline_health',
      kind: 'negative',
      summary: 'twelve minutes of a healthy chain with the usual one- or two-poll RPC hiccups',
      start: START,
      steps: n.steps,
      tickAfter: 30,
      expect: [{ rule: 'pipeline_health', max: 0 }],
    },
  ];
}

/**
 * The Harmony Horizon story the demo plays (FBI attribution 2023-01-23; the January 2023 wave):
 * an attributed address splits funds to fresh wallets, 100 ETH Tornado lots every 6–8 minutes,
 * a withdrawal recipient bridges out, USDT lands on TRON.
 */
export function harmonyHorizon(start = START): Scenario {
  const name = 'harmony_horizon';
  const b = new ScenarioBuilder(name, start);
  const wallets = Array.from({ length: 6 }, (_, i) => fresh(name, `split${i}`));
  wallets.forEach((w, i) => {
    b.nativeTransfer(i * 20, ADDR.harmony1, w, 100.05);
  });
  const gaps = [7, 6, 8, 7, 6, 7, 8, 6, 7, 7];
  let t = 5 * MIN;
  gaps.forEach((g, i) => {
    t += g * MIN;
    b.tornadoDeposit(t, i % 5 === 4 ? ADDR.harmony1 : (wallets[i % wallets.length] ?? ADDR.harmony1));
  });
  const w = fresh(name, 'withdrawal-recipient');
  b.tornadoWithdrawal(t + 40 * MIN, w);
  const tron = freshTron(name, 'tron-landing');
  b.bridge(t + 75 * MIN, {
    action: 'bridge_out',
    chain: 'ethereum',
    service: 'allbridge',
    contract: ADDR.allbridgeEthereum,
    from: w,
    to: tron,
    token: ADDR.usdtEthereum,
    symbol: 'USDT',
    decimals: 6,
    amount: usdt(180_000),
    counterparty: 'tron',
  });
  b.bridge(t + 86 * MIN, {
    action: 'bridge_in',
    chain: 'tron',
    service: 'allbridge',
    contract: ADDR.allbridgeTronPool,
    from: ADDR.allbridgeTronPool,
    to: tron,
    token: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
    symbol: 'USDT',
    decimals: 6,
    amount: usdt(179_650),
    counterparty: 'ethereum',
  });
  return {
    name,
    rule: 'denomination_burst',
    kind: 'positive',
    summary: 'Harmony Horizon, January 2023 wave: split to fresh wallets, 100 ETH Tornado lots every 6–8 min, bridge out, USDT on TRON',
    start,
    steps: b.steps,
    expect: [
      { rule: 'sanctioned_mixer_deposit', addresses: [ADDR.harmony1] },
      { rule: 'denomination_burst', evidence: { pool: ADDR.tornado100Eth } },
      { rule: 'mixer_to_bridge', addresses: [w] },
      { rule: 'tainted_bridge_hop', addresses: [tron] },
      { rule: 'stablecoin_exit', addresses: [tron] },
      { rule: 'freezable_exposure', addresses: [tron] },
    ],
  };
}

/** Every scenario, positives and near misses. */
export function allScenarios(): Scenario[] {
  return [
    ...sanctionedMixerDeposit(),
    ...denominationBurst(),
    ...mixerToBridge(),
    ...taintedBridgeHop(),
    ...stablecoinExit(),
    ...peelChain(),
    ...issuerFreeze(),
    ...freezableExposure(),
    ...serviceConsistency(),
    ...pipelineHealth(),
    harmonyHorizon(),
  ];
}
