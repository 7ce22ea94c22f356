import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Flow } from '@mixwatch/core';
import { createStore, flowToRow, type Store } from '@mixwatch/store';
import { tempDir, testCommon } from '@mixwatch/test/helpers';
import { ADDR, freshTron, ScenarioBuilder, START, usdt } from '../../../test/e2e/scenarios/index.ts';
import { foreignArrivals, pairedLegs, storedTaintOf, writeOutput } from '../src/persist.ts';
import type { Taint } from '../src/types.ts';

// The store reads of detect replicas sharing the partitions, against the real ClickHouse engine
// (chDB): taint of many addresses, unpaired arrivals on other replicas' chains, paired legs.
describe('detect replicas: shared state read from the store', { timeout: 120_000 }, () => {
  const tmp = tempDir('mixwatch-detect-shared-');
  let store: Store;
  before(async () => {
    store = await createStore({ common: testCommon(), dataDir: tmp.dir });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    tmp.remove();
  });

  const taint = (address: string, score: number, t: number): Taint => ({
    address,
    chain: 'ethereum',
    score,
    hops: 2,
    origin: '0xorigin',
    origin_label: 'test',
    path: ['0xorigin', address],
    via: 'transfer',
    heuristic: '',
    flow_id: `f-${address}-${score}`,
    tx_hash: '0x01',
    block_time: t,
    flow_chain_id: 1,
    block_number: 7,
  });

  it('reads the taint of thousands of addresses (in pieces: a server takes parameters in the URL)', async () => {
    const addresses = Array.from({ length: 4_500 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    const picked = [addresses[0]!, addresses[2_500]!, addresses[4_499]!];
    await writeOutput(store, {
      taint: [...picked.map((a) => taint(a, 0.5, 1_700_000_000)), taint(picked[1]!, 0.9, 1_700_000_100)],
      taintFlows: [],
      pairs: [],
    });
    const rows = await storedTaintOf(store, addresses);
    assert.deepEqual([...new Set(rows.map((r) => r.address))].sort(), [...picked].sort());
    assert.equal(rows.length, 4, 'every fact, the caller keeps the best');
    const best = rows.find((r) => r.address === picked[1] && r.score === 0.9);
    assert.deepEqual(best, taint(picked[1]!, 0.9, 1_700_000_100));
  });

  it('finds arrivals on other chains by ref or by amount and time, not those paired with another departure', async () => {
    const b = new ScenarioBuilder('shared-state', START);
    const leg = { service: 'stargate', symbol: 'USDT', decimals: 6, token: ADDR.usdtArbitrum, contract: ADDR.stargateUsdtArbitrum };
    const to = freshTron('shared-state', 'r');
    const arrival = (at: number, ref: string, amount: number, chain = 'arbitrum') =>
      b.bridge(at, {
        ...leg,
        action: 'bridge_in',
        chain,
        from: ADDR.stargateUsdtArbitrum,
        to,
        amount: usdt(amount),
        counterparty: 'ethereum',
        ref,
      });
    const byRef = arrival(60, 'r:1', 1_000);
    const pairedElsewhere = arrival(70, 'r:2', 1_000);
    const pairedWithMine = arrival(80, 'r:3', 1_000);
    const byTime = arrival(90, '', 500);
    const tooLate = arrival(90 + 5 * 86_400, '', 500);
    const ownChain = arrival(95, 'r:1', 1_000, 'ethereum');
    const flows = [byRef, pairedElsewhere, pairedWithMine, byTime, tooLate, ownChain];
    await store.insert(
      'flows',
      flows.map((f) => flowToRow(f)),
    );
    const departure = (id: string, ref: string, at: number): Flow => ({
      ...byRef,
      flow_id: id,
      chain: 'ethereum',
      chain_id: 1,
      action: 'bridge_out',
      bridge_ref: ref,
      block_time: START + at,
      counterparty_chain: 'arbitrum',
    });
    const pair = (o: string, i: Flow) => ({
      out_flow_id: o,
      in_flow_id: i.flow_id,
      service: 'stargate',
      method: 'ref' as const,
      confidence: 1,
      out_chain: 'ethereum',
      in_chain: i.chain,
      out_address: '0x0',
      in_address: to,
      bridge_ref: i.bridge_ref,
      token_symbol: 'USDT',
      out_amount: i.amount,
      in_amount: i.amount,
      out_time: START,
      in_time: i.block_time,
      tainted: 0,
      out_chain_id: 1,
      out_block: 1,
      in_chain_id: i.chain_id,
      in_block: i.block_number,
    });
    await writeOutput(store, {
      taint: [],
      taintFlows: [],
      pairs: [pair('other-departure', pairedElsewhere), pair('mine-3', pairedWithMine)],
    });
    const mine = [departure('mine-1', 'r:1', 0), departure('mine-2', 'r:2', 0), departure('mine-3', 'r:3', 0), departure('mine-4', '', 30)];
    const found = await foreignArrivals(store, mine, new Set([1]), 3_600);
    assert.deepEqual(
      found.map((f) => f.flow_id),
      [byRef, pairedWithMine, byTime].map((f) => f.flow_id),
    );
    assert.deepEqual(found[0], { ...byRef, extra: found[0]!.extra });
    assert.deepEqual(await foreignArrivals(store, [], new Set([1]), 3_600), []);
    assert.deepEqual(
      (
        await pairedLegs(
          store,
          'in',
          flows.map((f) => f.flow_id),
        )
      ).sort(),
      [pairedElsewhere.flow_id, pairedWithMine.flow_id].sort(),
    );
    assert.deepEqual(await pairedLegs(store, 'out', ['mine-1', 'mine-3']), ['mine-3']);
  });
});
