import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '@mixwatch/core';
import { encodeAbiParameters, encodeFunctionData, encodePacked, keccak256, parseAbiItem, toBytes } from 'viem';
import { allContracts, buildChainIndex } from '../registry.ts';
import { DECODERS } from './index.ts';
import { P } from './samples.ts';
import { ctxFor, logFor } from './testkit.ts';
import { parseThorMemo } from './thorchain.ts';

// Decoders that complete the event with the transaction input, and data-driven details.
const ID = `0x${'9e'.repeat(32)}` as `0x${string}`;
const b32 = (a: string) => `0x${a.slice(2).padStart(64, '0')}` as `0x${string}`;
const first = (service: string, chain: string, pred: (label: string) => boolean = () => true) => {
  const c = allContracts().find((e) => e.service === service && e.chain === chain && pred(e.label) && e.events.some((x) => x.decoder));
  assert.ok(c, `${service} on ${chain}`);
  return c;
};

test('Wormhole TransferRedeemed: amount, token and recipient come from the VAA inside the tx input', () => {
  const bridge = first('wormhole', 'arbitrum', (l) => l.includes('Token Bridge'));
  const emitter = b32('0x3ee18b2214aff97000d974cf647e7c347e8fa585'); // Ethereum Token Bridge, as 32 bytes
  // VAA body: timestamp u32, nonce u32, emitterChain u16, emitter 32, sequence u64, consistency u8, payload.
  const payload = encodePacked(
    ['uint8', 'uint256', 'bytes32', 'uint16', 'bytes32', 'uint16', 'uint256'],
    [1, 12_345_678n, b32('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'), 2, b32(P.recipient), 23, 0n],
  );
  const vaa = encodePacked(
    ['uint8', 'uint32', 'uint8', 'uint32', 'uint32', 'uint16', 'bytes32', 'uint64', 'uint8', 'bytes'],
    [1, 3, 0, 1_700_000_000, 0, 2, emitter, 777n, 1, payload],
  );
  const input = encodeFunctionData({ abi: [parseAbiItem('function completeTransfer(bytes encodedVm)')], args: [vaa] });
  const ctx = logFor(
    bridge,
    'event TransferRedeemed(uint16 indexed emitterChainId, bytes32 indexed emitterAddress, uint64 indexed sequence)',
    { emitterChainId: 2, emitterAddress: emitter, sequence: 777n },
    { from: P.relayer, to: bridge.address, value: '0', input },
  );
  const [f] = DECODERS['wormhole.transfer_redeemed']!.decode(ctx);
  assert.deepEqual(
    [
      f?.action,
      f?.to_address,
      f?.token,
      f?.amount,
      f?.decimals,
      f?.counterparty_chain,
      f?.bridge_ref,
      f?.extra?.vaa_found,
      f?.extra?.wrapped,
    ],
    [
      'bridge_in',
      P.recipient,
      '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      '12345678',
      8,
      'ethereum',
      `2/${emitter.slice(2)}/777`,
      true,
      true,
    ],
  );
  // Same event without a VAA in the input: the pairing id survives, the amount is unknown (0).
  const [g] = DECODERS['wormhole.transfer_redeemed']!.decode({
    ...ctx,
    tx: { from: P.relayer, to: bridge.address, value: '0', input: '0x' },
  });
  assert.deepEqual([g?.bridge_ref, g?.amount, g?.extra?.vaa_found], [`2/${emitter.slice(2)}/777`, '0', false]);
});

test('Wormhole LogMessagePublished: messages from senders other than the Token Bridge are not value flows', () => {
  const core = first('wormhole', 'ethereum', (l) => l.includes('Core'));
  const ctx = logFor(
    core,
    'event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)',
    { sender: P.user, sequence: 1n, nonce: 0, payload: '0x01', consistencyLevel: 1 },
    { from: P.user, to: P.user, value: '0' },
  );
  assert.deepEqual(DECODERS['wormhole.log_message_published']!.decode(ctx), []);
});

test('CCTP MintAndWithdraw: source domain and nonce come from receiveMessage(message, attestation)', () => {
  const tm = first('cctp', 'base', (l) => l.includes('TokenMessenger'));
  const message = encodePacked(
    ['uint32', 'uint32', 'uint32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes'],
    [0, 0, 6, 123_456n, ID, ID, b32('0x00'), '0x00'],
  );
  const input = encodeFunctionData({
    abi: [parseAbiItem('function receiveMessage(bytes message, bytes attestation)')],
    args: [message, '0x1234'],
  });
  const ctx = logFor(
    tm,
    'event MintAndWithdraw(address indexed mintRecipient, uint256 amount, address indexed mintToken)',
    { mintRecipient: P.recipient, amount: 5_000_000n, mintToken: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913' },
    { from: P.relayer, to: P.vault, value: '0', input },
  );
  const [f] = DECODERS['cctp.mint_and_withdraw']!.decode(ctx);
  assert.deepEqual(
    [f?.bridge_ref, f?.counterparty_chain, f?.token_symbol, f?.decimals, f?.amount],
    ['0:123456', 'ethereum', 'USDC', 6, '5000000'],
  );
});

test('Hop WithdrawalBonded: the recipient comes from bondWithdrawal', () => {
  const b = first('hop', 'arbitrum', (l) => l.includes('USDT'));
  const input = encodeFunctionData({
    abi: [parseAbiItem('function bondWithdrawal(address recipient, uint256 amount, bytes32 transferNonce, uint256 bonderFee)')],
    args: [P.recipient, 10n, ID, 1n],
  });
  const ctx = logFor(
    b,
    'event WithdrawalBonded(bytes32 indexed transferId, uint256 amount)',
    { transferId: ID, amount: 10n },
    { from: P.relayer, to: b.address, value: '0', input },
  );
  const [f] = DECODERS['hop.withdrawal_bonded']!.decode(ctx);
  assert.deepEqual([f?.to_address, f?.token_symbol, f?.decimals, f?.bridge_ref], [P.recipient, 'hUSDT', 6, ID]);
});

test('Allbridge: the user token and amount come from swapAndBridge; receiveTokens names token and source', () => {
  const b = first('allbridge', 'polygon');
  const usdt = '0xc2132d05d31c914a87c6611c10748aeb04b58e8f';
  const input = encodeFunctionData({
    abi: [
      parseAbiItem(
        'function swapAndBridge(bytes32 token, uint256 amount, bytes32 recipient, uint256 destinationChainId, bytes32 receiveToken, uint256 nonce, uint8 messenger, uint256 feeTokenAmount)',
      ),
    ],
    args: [b32(usdt), 2_000_000n, b32(P.recipient), 3n, b32(P.token), BigInt(ID), 1, 0n],
  });
  const ctx = logFor(
    b,
    'event TokensSent(uint256 amount, bytes32 recipient, uint256 destinationChainId, bytes32 receiveToken, uint256 nonce, uint8 messenger)',
    { amount: 1_999n, recipient: b32(P.recipient), destinationChainId: 3n, receiveToken: b32(P.token), nonce: BigInt(ID), messenger: 1 },
    { from: P.user, to: b.address, value: '0', input },
  );
  const [f] = DECODERS['allbridge.tokens_sent']!.decode(ctx);
  assert.deepEqual([f?.token, f?.token_symbol, f?.decimals, f?.amount, f?.extra?.vusd_amount], [usdt, 'USDT', 6, '2000000', '1999']);
  const rin = encodeFunctionData({
    abi: [
      parseAbiItem(
        'function receiveTokens(uint256 amount, bytes32 recipient, uint256 sourceChainId, bytes32 receiveToken, uint256 nonce, uint8 messenger, uint256 receiveAmountMin)',
      ),
    ],
    args: [1_999n, b32(P.recipient), 1n, b32(usdt), BigInt(ID), 1, 0n],
  });
  const rctx = logFor(
    b,
    'event TokensReceived(uint256 amount, bytes32 recipient, uint256 nonce, uint8 messenger, bytes32 message)',
    { amount: 1_990_000n, recipient: b32(P.recipient), nonce: BigInt(ID), messenger: 1, message: ID },
    { from: P.relayer, to: b.address, value: '0', input: rin },
  );
  const [r] = DECODERS['allbridge.tokens_received']!.decode(rctx);
  assert.deepEqual([r?.token, r?.amount, r?.counterparty_chain, r?.bridge_ref], [usdt, '1990000', 'allbridge:1', f?.bridge_ref]);
});

test('THORChain memos: destination chain and address', () => {
  assert.deepEqual(parseThorMemo('=:BTC.BTC:bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh:1234/3/0'), {
    kind: 'swap',
    asset: 'BTC.BTC',
    chain: 'bitcoin',
    address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
  });
  assert.deepEqual(parseThorMemo('SWAP:b:bc1qtest'), { kind: 'swap', asset: 'BTC.BTC', chain: 'bitcoin', address: 'bc1qtest' });
  assert.deepEqual(parseThorMemo('s:AVAX.USDC-0XB97EF9EF8734C71904D8002F8B6BC66DD9C48A6E:0xAbCDEFabcdefABCDEFabcdefABCDEFabcdefABCD'), {
    kind: 'swap',
    asset: 'AVAX.USDC-0XB97EF9EF8734C71904D8002F8B6BC66DD9C48A6E',
    chain: 'avalanche',
    address: '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd',
  });
  assert.equal(parseThorMemo('=:BTC/BTC:thor1xyz').chain, 'thorchain');
  assert.equal(parseThorMemo('=:ETH~ETH:thor1xyz').chain, 'thorchain');
  assert.deepEqual(parseThorMemo(`OUT:${'AB'.repeat(32)}`), { kind: 'out', inboundHash: `0x${'ab'.repeat(32)}` });
  assert.deepEqual(parseThorMemo(`REFUND:${'cd'.repeat(32)}`), { kind: 'refund', inboundHash: `0x${'cd'.repeat(32)}` });
  assert.deepEqual(parseThorMemo('+:ETH.ETH'), { kind: 'add', chain: 'thorchain' });
  assert.deepEqual(parseThorMemo('hello'), { kind: 'other' });
});

test('Avalanche Bridge: Transfers to the custody EOA are bridge_out, from it bridge_in, others nothing; USDT runs both decoders', () => {
  const idx = buildChainIndex({ chain: 'ethereum' });
  const transfer = keccak256(toBytes('Transfer(address,address,uint256)'));
  const ab = allContracts().find((c) => c.service === 'avalanche_bridge');
  assert.ok(ab);
  const weth = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2';
  const route = idx.routes.get(`${weth}:${transfer}`);
  assert.ok(route);
  const mk = (token: string, from: string, to: string) =>
    ctxFor(route.contract, route.event, {
      address: token,
      topics: [transfer, b32(from), b32(to)],
      data: encodeAbiParameters([{ type: 'uint256' }], [10n ** 18n]),
      blockNumber: 1,
      blockHash: ID,
      transactionHash: ID,
      logIndex: 0,
    });
  const [out] = route.decoder.decode(mk(weth, P.user, ab.address));
  assert.deepEqual(
    [out?.service, out?.action, out?.from_address, out?.to_address, out?.token_symbol, out?.amount, out?.counterparty_chain],
    ['avalanche_bridge', 'bridge_out', P.user, P.user, 'WETH', '1000000000000000000', 'avalanche'],
  );
  const [back] = route.decoder.decode(mk(weth, ab.address, P.recipient));
  assert.deepEqual([back?.action, back?.from_address, back?.to_address], ['bridge_in', ab.address, P.recipient]);
  assert.deepEqual(route.decoder.decode(mk(weth, P.user, P.recipient)), []);
  const usdt = idx.routes.get(`0xdac17f958d2ee523a2206206994597c13d831ec7:${transfer}`);
  assert.ok(usdt);
  const both = usdt.decoder.decode({
    ...mk('0xdac17f958d2ee523a2206206994597c13d831ec7', P.user, ab.address),
    contract: usdt.contract,
    event: usdt.event,
  });
  assert.deepEqual(
    both.map((f) => [f.service ?? usdt.contract.service, f.action, f.token_symbol]),
    [
      ['usdt', 'transfer', 'USDT'],
      ['avalanche_bridge', 'bridge_out', 'USDT'],
    ],
  );
  assert.throws(
    () => route.decoder.decode({ ...mk(weth, P.user, ab.address), log: { ...mk(weth, P.user, ab.address).log, data: '0x' } }),
    DecodeError,
  );
});

test('TRON USDT Transfer: decoded in hex (the ingest renders base58), 6 decimals', () => {
  const usdt = allContracts().find((c) => c.chain === 'tron' && c.service === 'usdt');
  assert.ok(usdt);
  const ctx = logFor(usdt, 'event Transfer(address indexed from, address indexed to, uint256 value)', {
    from: P.user,
    to: P.recipient,
    value: 1_000_000n,
  });
  const [f] = DECODERS['erc20.transfer']!.decode(ctx);
  assert.deepEqual(
    [f?.from_address, f?.to_address, f?.token, f?.token_symbol, f?.decimals, f?.amount],
    [P.user, P.recipient, '0xa614f803b6fd780986a42c78ec9c7f77e6ded13c', 'USDT', 6, '1000000'],
  );
});

test('Synapse departures: bridge_ref is the kappa the destination will emit (keccak256 of the tx hash bytes)', () => {
  const b = allContracts().find((c) => c.service === 'synapse' && c.events.some((e) => e.decoder === 'synapse.token_deposit'));
  assert.ok(b);
  const ctx = logFor(
    b,
    'event TokenDeposit(address indexed to, uint256 chainId, address token, uint256 amount)',
    { to: P.recipient, chainId: 1n, token: P.token, amount: 1n },
    { from: P.user, to: b.address, value: '0' },
  );
  const [f] = DECODERS['synapse.token_deposit']!.decode(ctx);
  assert.equal(f?.bridge_ref, keccak256(ctx.log.transactionHash as `0x${string}`));
  assert.notEqual(f?.bridge_ref, keccak256(new TextEncoder().encode(ctx.log.transactionHash))); // not the hash of the hex text
});
