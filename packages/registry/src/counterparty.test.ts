import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AXELAR_CHAIN_NAMES,
  CCTP_DOMAIN_NAMES,
  counterpartyName,
  EVM_CHAIN_NAMES,
  LZ_V1_CHAIN_NAMES,
  LZ_V2_EID_NAMES,
  THORCHAIN_CHAIN_NAMES,
  WORMHOLE_CHAIN_NAMES,
} from './counterparty.ts';

const OURS = ['ethereum', 'bsc', 'polygon', 'arbitrum', 'optimism', 'avalanche', 'gnosis', 'base'];

test('counterparty tables name every chain mixwatch ingests, each id once', () => {
  for (const [name, table, expected] of [
    ['evm', EVM_CHAIN_NAMES, [...OURS, 'tron']],
    ['wormhole', WORMHOLE_CHAIN_NAMES, OURS],
    ['layerzero v1', LZ_V1_CHAIN_NAMES, OURS],
    ['layerzero v2', LZ_V2_EID_NAMES, [...OURS, 'tron']],
  ] as const) {
    const names = Object.values(table);
    for (const c of expected) assert.ok(names.includes(c), `${name}: ${c}`);
  }
  // CCTP v1 domains of the registry's TokenMessengers.
  for (const c of ['ethereum', 'avalanche', 'optimism', 'arbitrum', 'base', 'polygon'])
    assert.ok(Object.values(CCTP_DOMAIN_NAMES).includes(c), c);
  assert.equal(EVM_CHAIN_NAMES['728126428'], 'tron');
  assert.equal(AXELAR_CHAIN_NAMES.binance, 'bsc');
  assert.equal(THORCHAIN_CHAIN_NAMES.BTC, 'bitcoin');
});

test('unknown ids stay visible as <bridge>:<id>, never a wrong chain', () => {
  assert.equal(counterpartyName(EVM_CHAIN_NAMES, 'across', 42161), 'arbitrum');
  assert.equal(counterpartyName(EVM_CHAIN_NAMES, 'across', 999999), 'across:999999');
  assert.equal(counterpartyName(WORMHOLE_CHAIN_NAMES, 'wormhole', 1n), 'solana');
  assert.equal(counterpartyName(LZ_V2_EID_NAMES, 'layerzero', '40161'), 'layerzero:40161');
});
