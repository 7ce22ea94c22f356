import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAddress, keccak256, toBytes } from 'viem';
import { tronBase58ToHex } from '../../chain/src/tron.ts';
import { DECODERS } from './decoders/index.ts';
import { allContracts, buildChainIndex } from './registry.ts';

const contracts = allContracts();

test('registry: every entry keeps service, category, chain, address, events, source and confidence', () => {
  assert.ok(contracts.length >= 300);
  for (const c of contracts) {
    assert.ok(c.service && c.category && c.chain && c.chainId > 0, `${c.label}: identity`);
    assert.match(c.address, /^0x[0-9a-f]{40}$/, `${c.label}: lowercase address`);
    assert.ok(/https:\/\/|@ ?[0-9a-f]{40}/.test(c.source), `${c.label}: source (URL or repo@commit)`);
    assert.ok(['high', 'medium', 'low'].includes(c.confidence), `${c.label}: confidence`);
    assert.ok(Array.isArray(c.events));
  }
});

test('registry: every topic0 is keccak256 of its signature', () => {
  let n = 0;
  for (const c of contracts) {
    for (const e of c.events) {
      assert.equal(e.topic0, keccak256(toBytes(e.signature)), `${c.label} ${e.signature}`);
      n++;
    }
  }
  assert.ok(n > 600);
});

test('registry: EVM addresses match the source form and its EIP-55 checksum', () => {
  let checksummed = 0;
  for (const c of contracts.filter((c) => c.chain !== 'tron')) {
    assert.ok(c.addressChecksum, `${c.label}: original form kept`);
    assert.equal(c.addressChecksum.toLowerCase(), c.address, `${c.label}: same address`);
    // Mixed case in the source = an EIP-55 checksum that must verify; all-lowercase carries none.
    if (c.addressChecksum !== c.address) {
      assert.equal(getAddress(c.address), c.addressChecksum, `${c.label}: EIP-55 checksum`);
      checksummed++;
    }
  }
  assert.ok(checksummed > 250, `only ${checksummed} checksummed addresses`);
});

test('registry: TRON base58 addresses carry a valid checksum and match the hex form', () => {
  const tron = contracts.filter((c) => c.chain === 'tron');
  assert.ok(tron.length >= 6);
  for (const c of tron) {
    assert.ok(c.addressBase58);
    assert.equal(tronBase58ToHex(c.addressBase58), c.address, c.label);
  }
});

test('registry: every decoder name resolves and every chain index builds', () => {
  const names = new Set<string>();
  for (const c of contracts) for (const e of c.events) if (e.decoder) names.add(e.decoder);
  for (const n of names) assert.ok(DECODERS[n], `decoder ${n}`);
  // Every decoder is used by at least one registry event.
  for (const n of Object.keys(DECODERS)) assert.ok(names.has(n), `decoder ${n} is not referenced by the registry`);
  for (const chain of new Set(contracts.map((c) => c.chain))) {
    const idx = buildChainIndex({ chain });
    assert.ok(idx.routes.size > 0, chain);
  }
});

test('registry: bridges say how their legs pair', () => {
  for (const c of contracts.filter((c) => c.category === 'bridge')) {
    assert.ok(c.pairing === 'ref' || c.pairing === 'amount_time', `${c.label}: pairing`);
  }
  const hop = contracts.find((c) => c.label.startsWith('Hop L1 Bridge ETH'));
  assert.equal(hop?.events.find((e) => e.name === 'TransferSentToL2')?.pairing, 'amount_time');
});

test('registry: watched custody addresses (Avalanche Bridge EOA, Orbit vaults) are reached through token Transfer routes', () => {
  const idx = buildChainIndex({ chain: 'ethereum' });
  const transfer = keccak256(toBytes('Transfer(address,address,uint256)'));
  const ab = contracts.find((c) => c.service === 'avalanche_bridge');
  assert.ok(ab?.watch && ab.watch.tokens.length >= 4);
  const weth = idx.routes.get(`0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2:${transfer}`);
  // WETH is watched for two custody addresses on ethereum (AB, Orbit vault): both run.
  assert.equal(weth?.decoder.name, 'custody.transfer+custody.transfer');
  assert.ok(['avalanche_bridge', 'orbit'].includes(weth?.contract.service ?? ''));
  // USDT is a watched contract itself: its own decoder runs first, then the custody ones.
  assert.equal(
    idx.routes.get(`0xdac17f958d2ee523a2206206994597c13d831ec7:${transfer}`)?.decoder.name,
    'erc20.transfer+custody.transfer+custody.transfer',
  );
  // Orbit vaults too, on each of their chains.
  for (const o of contracts.filter((c) => c.service === 'orbit')) {
    assert.ok(o.watch && o.watch.tokens.length >= 2, o.label);
    assert.equal(
      buildChainIndex({ chain: o.chain }).topicFilters.filter((f) => f.topics.includes(`0x${o.address.slice(2).padStart(64, '0')}`)).length,
      2,
    );
  }
  // The token contracts are not in the address filter (that would fetch every WETH transfer) …
  assert.ok(!idx.addresses.includes('0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2'));
  // … the ingest gets explicit topic filters instead.
  const padded = `0x${ab.address.slice(2).padStart(64, '0')}`;
  assert.deepEqual(
    idx.topicFilters.filter((f) => f.topics.includes(padded)).map((f) => f.topics),
    [
      [transfer, padded],
      [transfer, null, padded],
    ],
  );
});
