/**
 * Detection throughput: `node --import tsx services/detect/bench.ts [flows]` runs synthetic flows
 * (97 % USDT transfers among 9 000 addresses, 2 % Tornado deposits/withdrawals, 1 % Across legs,
 * a labelled Harmony exploiter sending every 1 000th transfer) through one detector and prints
 * flows/s, alerts, tainted addresses, pairing and RSS. Speed lives here, never in tests.
 */
import { detectConfigSchema } from '@mixwatch/config';
import type { Flow } from '@mixwatch/core';
import { builtinLabels } from '@mixwatch/labels';
import { createDetector } from './src/engine.ts';

const N = Number(process.argv[2] ?? 200_000);
const d = createDetector({ config: detectConfigSchema.parse({}), labels: builtinLabels(), watchedChains: ['ethereum', 'arbitrum'] });
const base = 1_790_000_000;
const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
const usdt = '0xdac17f958d2ee523a2206206994597c13d831ec7';
const pools = ['0xa160cdab225685da1d56aa342ad8841c3b53f291', '0x910cbd523d972eb0a6f4cae4618ad62622b39dbf'];
const flows: Flow[] = [];
for (let i = 0; i < N; i++) {
  const k = i % 100;
  const f: Flow = {
    flow_id: `1:0x${i.toString(16)}:0:0`,
    chain: 'ethereum',
    chain_id: 1,
    block_number: 1 + (i >> 4),
    block_time: base + i * 3,
    block_hash: '0x',
    tx_hash: `0x${i.toString(16)}`,
    log_index: 0,
    sub_index: 0,
    contract: usdt,
    event: 'Transfer',
    service: 'usdt',
    category: 'stablecoin',
    action: 'transfer',
    from_address: addr((i % 5000) + 1),
    to_address: addr(((i * 7) % 9000) + 1),
    tx_from: addr((i % 5000) + 1),
    token: usdt,
    token_symbol: 'USDT',
    amount: String(1_000_000_000n + BigInt(i)),
    decimals: 6,
    counterparty_chain: '',
    bridge_ref: '',
    extra: {},
  };
  const pool = pools[i % 2]!;
  const eth = { token: 'native', token_symbol: 'ETH', amount: '100000000000000000000', decimals: 18 };
  if (k === 0) Object.assign(f, { contract: pool, service: 'tornado', category: 'mixer', action: 'deposit', to_address: pool, ...eth });
  if (k === 1)
    Object.assign(f, { contract: pool, service: 'tornado', category: 'mixer', action: 'withdrawal', from_address: pool, ...eth });
  if (k === 2)
    Object.assign(f, { service: 'across', category: 'bridge', action: 'bridge_out', counterparty_chain: 'arbitrum', bridge_ref: `1:${i}` });
  if (k === 3) {
    Object.assign(f, { chain: 'arbitrum', chain_id: 42161, service: 'across', category: 'bridge', action: 'bridge_in' });
    Object.assign(f, { counterparty_chain: 'ethereum', bridge_ref: `1:${i - 1}` });
  }
  if (i % 1000 === 5) f.from_address = '0x0d043128146654c7683fbf30ac98d7b2285ded00';
  flows.push(f);
}
const started = performance.now();
let alerts = 0;
for (const f of flows) alerts += d.process({ type: 'flow', flow: f }).alerts.length;
const ms = performance.now() - started;
console.log(
  `detect: ${N} flows in ${ms.toFixed(0)} ms = ${Math.round(N / (ms / 1000))} flows/s; ${alerts} alerts; ${d.taint.size} tainted; pairing ${d.pairing.paired}/${d.pairing.departures}; rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
);
