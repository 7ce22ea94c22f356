import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, Flow } from '@mixwatch/core';
import { createBusValidator, DEAD_LETTER_PAYLOAD_LIMIT, invalidMessageDeadLetter } from './validate.ts';

const flow: Flow = {
  flow_id: `1:0x${'a'.repeat(64)}:3:0`,
  chain: 'ethereum',
  chain_id: 1,
  block_number: 17_000_000,
  block_time: 1_680_000_000,
  block_hash: `0x${'b'.repeat(64)}`,
  tx_hash: `0x${'a'.repeat(64)}`,
  log_index: 3,
  sub_index: 0,
  contract: `0x${'c'.repeat(40)}`,
  event: 'Deposit',
  service: 'tornado',
  category: 'mixer',
  action: 'deposit',
  from_address: `0x${'d'.repeat(40)}`,
  to_address: `0x${'c'.repeat(40)}`,
  tx_from: `0x${'d'.repeat(40)}`,
  token: 'native',
  token_symbol: 'ETH',
  amount: '100000000000000000000',
  decimals: 18,
  counterparty_chain: '',
  bridge_ref: '',
  extra: { commitment: '0x01' },
};

test('valid messages of every topic pass', () => {
  const v = createBusValidator();
  assert.equal(v.check('mixwatch.flows.v1', { type: 'flow', flow }).ok, true);
  assert.equal(v.check('mixwatch.flows.v1', { type: 'retract', chain: 'ethereum', chain_id: 1, after_block: 9, reason: 'reorg' }).ok, true);
  const alert: Alert = {
    alert_id: 'x',
    rule: 'peel_chain',
    severity: 'medium',
    chain: 'ethereum',
    block_time: 1,
    tx_hash: '',
    address: '',
    service: '',
    amount: '0',
    title: 't',
    details: {},
    created_at: 1,
  };
  assert.equal(v.check('mixwatch.alerts.v1', alert).ok, true);
  const d = invalidMessageDeadLetter({ topic: 'mixwatch.flows.v1', reason: 'r', payload: '{}' });
  assert.equal(v.check('mixwatch.dlq.v1', d).ok, true);
});

test('the reason names the failing field of the message kind, not every oneOf branch', () => {
  const v = createBusValidator();
  const r = v.check('mixwatch.flows.v1', { type: 'flow', flow: { ...flow, amount: '1.5' } });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /^message\/flow\/amount must match pattern/);
  const u = v.check('mixwatch.flows.v1', { type: 'nope' });
  assert.match(u.ok ? '' : u.reason, /type must be one of flow, checkpoint, retract, heartbeat/);
  const a = v.decode('mixwatch.alerts.v1', JSON.stringify({ rule: 'made_up' }));
  assert.equal(a.ok, false);
  const j = v.decode('mixwatch.alerts.v1', '{"a":');
  assert.match(j.ok ? '' : j.reason, /^not JSON/);
});

test('dead letters keep the raw payload, the reason, and where the message came from', () => {
  const payload = JSON.stringify({ type: 'flow', flow: { ...flow, amount: 'x' } });
  const d = invalidMessageDeadLetter({
    topic: 'mixwatch.flows.v1',
    reason: 'message/flow/amount bad',
    payload,
    identity: 't/0/42',
    now: 5,
  });
  assert.equal(d.stage, 'bus.validate');
  assert.equal(d.payload, payload);
  assert.equal(d.reason, 'mixwatch.flows.v1: message/flow/amount bad');
  assert.deepEqual([d.chain, d.chain_id, d.block_number, d.tx_hash, d.log_index], ['ethereum', 1, 17_000_000, flow.tx_hash, 3]);
  // Same message position, same id: a redelivered poison message is not a second dead letter.
  assert.equal(
    d.dlq_id,
    invalidMessageDeadLetter({ topic: 'mixwatch.flows.v1', reason: 'other', payload: 'y', identity: 't/0/42' }).dlq_id,
  );
  const big = invalidMessageDeadLetter({ topic: 'mixwatch.alerts.v1', reason: 'r', payload: 'z'.repeat(DEAD_LETTER_PAYLOAD_LIMIT + 10) });
  assert.equal(big.payload.length, DEAD_LETTER_PAYLOAD_LIMIT);
  assert.equal(big.chain, '');
});
