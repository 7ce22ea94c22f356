import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '@mixwatch/core';
import { validateSlackPayload } from '../../../test/helpers/slack.ts';
import { matches } from './channels.ts';
import { addressUrl, amountView, formatSlackAlert, formatSlackDigest, formatUnits, txUrl } from './format.ts';

const base: Alert = {
  alert_id: 'a1',
  rule: 'stablecoin_exit',
  severity: 'high',
  chain: 'tron',
  block_time: 1_700_000_000,
  tx_hash: '0xabc123',
  address: 'TXFBqBbqJommqZf7BV8NNYzePh97UmJodJ',
  service: 'usdt',
  amount: '2500000123456',
  title: 'Tainted funds reached USDT on TRON',
  details: {
    token_symbol: 'USDT',
    decimals: 6,
    from: 'TXFBqBbqJommqZf7BV8NNYzePh97UmJodJ',
    to: 'TQ4ge2gbNS2aN8dmvPsyCQGsvt2aS3u9uC',
    to_label: 'OTC desk',
  },
  created_at: 0,
};

test('formatUnits applies decimals without floats', () => {
  assert.equal(formatUnits('100000000000000000000', 18), '100');
  assert.equal(formatUnits('1500000', 6), '1.5');
  assert.equal(formatUnits('1', 18), '0.000000000000000001');
  assert.equal(formatUnits('0', 6), '0');
  assert.equal(formatUnits('115792089237316195423570985008687907853269984665640564039457584007913129639935', 18).split('.')[0]?.length, 60);
});

test('amount: stablecoins valued 1:1 in USD, native coins named by chain, unknown decimals shown as raw units', () => {
  const usdt = amountView(base);
  assert.equal(usdt.text, '2,500,000.123456 USDT');
  assert.equal(usdt.usd, 2_500_000.123456);
  const eth = amountView({ ...base, chain: 'ethereum', amount: '100000000000000000000', details: { token: 'native' } });
  assert.equal(eth.text, '100 ETH');
  assert.equal(eth.usd, undefined);
  const trx = amountView({ ...base, amount: '5000000', details: { token: 'native' } });
  assert.equal(trx.text, '5 TRX');
  const unknown = amountView({
    ...base,
    chain: 'ethereum',
    amount: '12345',
    details: { token: '0x1234567890123456789012345678901234567890' },
  });
  assert.equal(unknown.text, '12,345 (raw units)');
  assert.equal(amountView({ ...base, chain: 'ethereum', amount: '10', details: { usd: 31.5, token: 'native' } }).usd, 31.5);
});

test('explorer links: Etherscan-style paths, Tronscan transaction paths without 0x', () => {
  assert.equal(txUrl('ethereum', '0xdead'), 'https://etherscan.io/tx/0xdead');
  assert.equal(txUrl('bsc', '0xdead'), 'https://bscscan.com/tx/0xdead');
  assert.equal(txUrl('tron', '0xdead'), 'https://tronscan.org/#/transaction/dead');
  assert.equal(addressUrl('tron', 'TXFB'), 'https://tronscan.org/#/address/TXFB');
  assert.equal(txUrl('nochain', '0x1'), undefined);
});

test('Block Kit message: valid for Slack, carries rule, severity, amount with USD, labels, links and a SQL line', () => {
  const m = formatSlackAlert(base);
  assert.equal(validateSlackPayload(m), 'ok');
  const text = JSON.stringify(m);
  for (const needle of [
    'stablecoin_exit',
    '*Severity*\\nhigh',
    '2,500,000.123456 USDT (≈ $2,500,000)',
    'OTC desk',
    'https://tronscan.org/#/transaction/abc123',
    'https://tronscan.org/#/address/TQ4ge2gbNS2aN8dmvPsyCQGsvt2aS3u9uC',
    'SELECT block_time, service, action',
    "mixwatch.flows WHERE chain = 'tron'",
  ])
    assert.ok(text.includes(needle), `message lacks ${needle}`);
  assert.match(m.text, /^\[HIGH\] stablecoin_exit on tron/);
});

test('hostile text is escaped and long titles truncated to Slack limits', () => {
  const m = formatSlackAlert({ ...base, title: `<!channel> ${'x'.repeat(400)}`, details: { summary: '<https://evil|click> & more' } });
  assert.equal(validateSlackPayload(m), 'ok');
  const s = JSON.stringify(m);
  assert.ok(!s.includes('<https://evil|click>'));
  assert.ok(s.includes('&lt;https://evil|click&gt; &amp; more'));
});

test('digest: counts, total, first tx links, and a SQL line listing the burst', () => {
  const lots = Array.from({ length: 25 }, (_, i) => ({
    ...base,
    alert_id: `lot${i}`,
    rule: 'denomination_burst' as const,
    chain: 'ethereum',
    tx_hash: `0x${String(i).padStart(64, '0')}`,
    address: '0x1111111111111111111111111111111111111111',
    amount: '100000000000000000000',
    block_time: 1_700_000_000 + i * 420,
    details: { token: 'native' },
  }));
  const m = formatSlackDigest({
    digest_id: 'd1',
    rule: 'denomination_burst',
    chain: 'ethereum',
    address: lots[0]!.address,
    alerts: lots,
    deliveredBefore: 1,
  });
  assert.equal(validateSlackPayload(m), 'ok');
  const s = JSON.stringify(m);
  assert.ok(s.includes('25 more denomination_burst alerts'));
  assert.ok(s.includes('2,500 ETH'));
  assert.ok(s.includes('26 alerts of this key'));
  assert.ok(s.includes('and 15 more'));
  assert.ok(
    s.includes("WHERE rule = 'denomination_burst' AND chain = 'ethereum' AND address = '0x1111111111111111111111111111111111111111'"),
  );
});

test('routing match: rules, severities, minSeverity and chains all must hold', () => {
  assert.ok(matches({}, base));
  assert.ok(matches({ minSeverity: 'medium' }, base));
  assert.ok(!matches({ minSeverity: 'critical' }, base));
  assert.ok(matches({ rules: ['stablecoin_exit'], chains: ['tron'] }, base));
  assert.ok(!matches({ rules: ['stablecoin_exit'], chains: ['ethereum'] }, base));
  assert.ok(!matches({ severities: ['low'] }, base));
});

test('detect-shaped evidence: subject label from details.label, from/to from the evidence flow, long labels clipped', () => {
  const actor = '0x0d043128146654c7683fbf30ac98d7b2285ded00';
  const pool = '0xa160cdab225685da1d56aa342ad8841c3b53f291';
  const m = formatSlackAlert({
    ...base,
    rule: 'sanctioned_mixer_deposit',
    severity: 'critical',
    chain: 'ethereum',
    address: actor,
    amount: '100000000000000000000',
    details: {
      rule: 'sanctioned_mixer_deposit',
      flows: [{ chain: 'ethereum', from: actor, to: pool, token_symbol: 'ETH', amount: '100000000000000000000', decimals: 18 }],
      depositor: actor,
      label: `DPRK/Lazarus - Harmony Horizon bridge hack ${'x'.repeat(200)}`,
      hops: 0,
      heuristic: 'label',
      confidence: 1,
    },
  });
  assert.equal(validateSlackPayload(m), 'ok');
  const s = JSON.stringify(m);
  assert.ok(s.includes(`https://etherscan.io/address/${actor}|0x0d0431…5ded00> (DPRK/Lazarus - Harmony Horizon bridge hack`));
  assert.ok(s.includes(`https://etherscan.io/address/${pool}|`));
  assert.ok(!s.includes('x'.repeat(120)), 'label clipped');
  assert.ok(s.includes('heuristic: label · confidence 100%'));
  assert.ok(s.includes('*Amount*\\n100 ETH'));
});
