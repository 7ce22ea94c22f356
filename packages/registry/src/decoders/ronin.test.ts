import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeAbiParameters, keccak256, toBytes } from 'viem';
import { DECODERS } from './index.ts';
import { contractAt, ctxFor, pad } from './testkit.ts';

// Real Ronin Bridge v1 deposits and withdrawals (XChainWatcher results, fixtures/real-logs.json),
// reconstructed as TokenDeposited / TokenWithdrew logs at the real bridge address.
const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/real-logs.json'), 'utf8')).ronin as {
  deposits: string[][];
  withdrawals: string[][];
};
const bridge = contractAt('ethereum', '0x1a2a1c938ce3ec39b6d47113c7955baa9dd454f2');
const DEPOSITED = keccak256(toBytes('TokenDeposited(uint256,address,address,address,uint32,uint256)'));
const WITHDREW = keccak256(toBytes('TokenWithdrew(uint256,address,address,uint256)'));
const ev = (t: string) => {
  const e = bridge.events.find((x) => x.topic0 === t);
  assert.ok(e);
  return e;
};
const id = (n: string) => `0x${BigInt(n).toString(16).padStart(64, '0')}`;

test('Ronin v1 TokenDeposited: real deposits decode to bridge_out to ronin with the deposit id', () => {
  assert.equal(fx.deposits.length, 3);
  for (const [, txHash, depositId, , , beneficiary, roninToken, token, , , standard, amount] of fx.deposits as string[][]) {
    const log = {
      address: bridge.address,
      topics: [DEPOSITED, id(depositId!), pad(beneficiary!), pad(token!)],
      data: encodeAbiParameters(
        [{ type: 'address' }, { type: 'uint32' }, { type: 'uint256' }],
        [roninToken as `0x${string}`, Number(standard), BigInt(amount!)],
      ),
      blockNumber: 13_916_000,
      blockHash: `0x${'00'.repeat(32)}`,
      transactionHash: txHash!,
      logIndex: 0,
    };
    const [f] = DECODERS['ronin.v1_token_deposited']!.decode(ctxFor(bridge, ev(DEPOSITED), log));
    assert.deepEqual(
      [
        f?.action,
        f?.from_address,
        f?.to_address,
        f?.token,
        f?.amount,
        f?.counterparty_chain,
        f?.bridge_ref,
        f?.extra?.standard,
        f?.extra?.ronin_token,
      ],
      ['bridge_out', beneficiary, beneficiary, token, amount, 'ronin', `ronin-v1:deposit:${depositId}`, 'erc20', roninToken],
    );
  }
});

test('Ronin v1 TokenWithdrew: real withdrawals decode to bridge_in from ronin with the withdrawal id', () => {
  for (const [, , txHash, withdrawalId, token, beneficiary, amount] of fx.withdrawals as string[][]) {
    const log = {
      address: bridge.address,
      topics: [WITHDREW, id(withdrawalId!), pad(beneficiary!), pad(token!)],
      data: encodeAbiParameters([{ type: 'uint256' }], [BigInt(amount!)]),
      blockNumber: 13_916_000,
      blockHash: `0x${'00'.repeat(32)}`,
      transactionHash: txHash!,
      logIndex: 0,
    };
    const [f] = DECODERS['ronin.v1_token_withdrew']!.decode(ctxFor(bridge, ev(WITHDREW), log));
    assert.deepEqual(
      [f?.action, f?.from_address, f?.to_address, f?.token, f?.amount, f?.counterparty_chain, f?.bridge_ref],
      ['bridge_in', bridge.address, beneficiary, token, amount, 'ronin', `ronin-v1:withdrawal:${withdrawalId}`],
    );
    if (token === '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2') assert.deepEqual([f?.token_symbol, f?.decimals], ['WETH', 18]);
  }
});
