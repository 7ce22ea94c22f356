import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecodeError } from '@mixwatch/core';
import { formatAddress, tronBase58ToHex, tronHexToBase58 } from './tron.ts';

// The TRON entries of the registry keep both forms: base58 as published and the 20-byte hex seen in logs.
const contracts = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../registry/data/contracts.json'), 'utf8')) as {
    contracts: Array<{ chain: string; address: string; addressBase58?: string }>;
  }
).contracts;
const tronEntries = contracts.filter((e) => e.chain === 'tron');

test('registry TRON entries: hex <-> base58 both ways, both hex forms', () => {
  assert.ok(tronEntries.length >= 6, 'expected the TRON entries of the registry');
  for (const e of tronEntries) {
    const b58 = e.addressBase58;
    assert.ok(b58, `${e.address} lacks its base58 form`);
    assert.equal(tronHexToBase58(e.address), b58);
    assert.equal(tronHexToBase58(`41${e.address.slice(2)}`), b58);
    assert.equal(tronBase58ToHex(b58), e.address);
  }
});

test('USDT on TRON: the well-known pair', () => {
  assert.equal(tronBase58ToHex('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'), '0xa614f803b6fd780986a42c78ec9c7f77e6ded13c');
  assert.equal(tronHexToBase58('0xA614F803B6FD780986A42C78EC9C7F77E6DED13C'), 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t');
});

// OFAC SDN digital-currency addresses with asset tag TRX/USDT (brave-intl/ofac-sanctioned-digital-currency-addresses,
// branch lists @ 9680d788291780da92da1ccfdba507e3174367a8, sanctioned_addresses_TRX.txt / _USDT.txt, 2025-12-04).
const SDN_TRON = [
  'TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM',
  'TAoLw5yD5XUoHWeBZRSZ1ExK9HMv2CiPvP',
  'TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre',
  'TBcLqqqyZjNj1ptuXFgj5H768NhNU5nDyn',
  'TC8axQvzJEVR3NKN6mZnJtGy7537GEmh38',
  'TCFD8N3vM5b4Gr5f1kkajQsodRVNyyAq1d',
  'TCu5onCzXuqxjvVzdB2tR4FLuF66d4yRqf',
  'TDFtJtyLPgN3oWUoHh23oJox3T5V5nR11K',
  'TEcuHDQthTmULe8fFLUccBPpjfXaTmJuuD',
  'TFdTr9C3BqQrzKBXqSxJfAZFTh8UwBAfSg',
  'TFwjPScaJRCbSWVAywE1S1WgaUgSnyYUbD',
  'TGckaiamj5NzaYx6Qp6Zu7kahuHArzUo99',
];

test('sanctioned TRON addresses round-trip through hex', () => {
  for (const a of SDN_TRON) {
    const hex = tronBase58ToHex(a);
    assert.match(hex, /^0x[0-9a-f]{40}$/);
    assert.equal(tronHexToBase58(hex), a);
  }
});

test('bad checksum, bad characters, wrong length and wrong prefix are rejected', () => {
  const good = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
  const flipped = `${good.slice(0, -1)}${good.endsWith('t') ? 'u' : 't'}`;
  assert.throws(
    () => tronBase58ToHex(flipped),
    (e: unknown) => e instanceof DecodeError && /checksum/.test(e.message),
  );
  assert.throws(() => tronBase58ToHex('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60'), DecodeError); // '0' is not base58
  assert.throws(() => tronBase58ToHex('TR7NHqjeKQxGTCi8q8ZY4pL8'), DecodeError);
  // A valid Bitcoin base58check address (prefix 0x00, 25 bytes) is not a TRON address.
  assert.throws(() => tronBase58ToHex('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'), /prefix/);
  assert.throws(() => tronHexToBase58('0x1234'), DecodeError);
  assert.throws(() => tronHexToBase58(`42${'a'.repeat(40)}`), DecodeError);
  assert.throws(() => tronHexToBase58(`0x${'g'.repeat(40)}`), DecodeError);
});

test('formatAddress: evm lowercases, tron converts, empty and native pass through', () => {
  assert.equal(formatAddress('evm', '0xDAC17F958D2ee523a2206206994597C13D831ec7'), '0xdac17f958d2ee523a2206206994597c13d831ec7');
  assert.equal(formatAddress('tron', '0xa614f803b6fd780986a42c78ec9c7f77e6ded13c'), 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t');
  assert.equal(formatAddress('tron', ''), '');
  assert.equal(formatAddress('tron', 'native'), 'native');
  // The zero address has a base58 form too (leading-zero bytes are kept).
  assert.equal(tronBase58ToHex(formatAddress('tron', `0x${'0'.repeat(40)}`)), `0x${'0'.repeat(40)}`);
});
