import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildChainIndex } from '@mixwatch/registry';
import { decodeLogs, normalizeLog } from './decode.ts';

const POOL = '0xa160cdab225685da1d56aa342ad8841c3b53f291';
const DEPOSIT = '0xa945e51eec50ab98c161376f0db4cf2aeba3ec92755fe2fcd388bdbbb80ff196';
const WITHDRAWAL = '0xe9e508bad6d4c3227e881ca19068f099da81b5164dd6d62b2eaf1e8bc6c34931';
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const chain = { name: 'ethereum', chainId: 1, nativeSymbol: 'ETH', addressFormat: 'evm' as const };
const index = buildChainIndex({ chain: 'ethereum' });
const base = { blockNumber: '0x10', blockHash: `0x${'ab'.repeat(32)}`, transactionHash: `0x${'cd'.repeat(32)}`, logIndex: '0x3' };
const word = (hex: string) => hex.replace(/^0x/, '').padStart(64, '0');

function decode(raw: Record<string, unknown>, tx?: { from: string; to: string; value: string }) {
  const n = normalizeLog(raw as never);
  if (typeof n === 'string') return { malformed: n };
  return decodeLogs({
    index,
    chain,
    logs: [n],
    txs: new Map(tx ? [[n.transactionHash, tx]] : []),
    blockTimes: new Map([[16, 1_600_000_000]]),
    formatAddress: (a) => a,
  });
}

describe('decode dispatch', () => {
  it('decodes a Tornado deposit with the depositor from the transaction', () => {
    const r = decode(
      {
        ...base,
        address: POOL.toUpperCase().replace('0X', '0x'),
        topics: [DEPOSIT, `0x${'11'.repeat(32)}`],
        data: `0x${word('5')}${word('5f5e1000')}`,
      },
      { from: '0x0d043128146654c7683fbf30ac98d7b2285ded00', to: POOL, value: '100000000000000000000' },
    );
    assert.ok('flows' in r);
    assert.equal(r.deadLetters.length, 0);
    const [f] = r.flows;
    assert.equal(f!.flow_id, `1:${base.transactionHash}:3:0`);
    assert.equal(f!.from_address, '0x0d043128146654c7683fbf30ac98d7b2285ded00');
    assert.equal(f!.tx_from, '0x0d043128146654c7683fbf30ac98d7b2285ded00');
    assert.equal(f!.amount, '100000000000000000000');
    assert.equal(f!.block_time, 1_600_000_000);
    assert.equal(f!.contract, POOL);
  });

  it('rejects malformed logs with a reason', () => {
    assert.deepEqual(decode({ ...base, address: 'nope', topics: [DEPOSIT], data: '0x' }), { malformed: 'bad address "nope"' });
    assert.deepEqual(decode({ ...base, address: POOL, topics: [], data: '0x' }), { malformed: 'bad topics (0)' });
    assert.deepEqual(decode({ ...base, address: POOL, topics: ['0x12'], data: '0x' }), { malformed: 'a topic is not 32 bytes of hex' });
    assert.deepEqual(decode({ ...base, address: POOL, topics: [DEPOSIT], data: '0xzz' }), { malformed: 'data is not hex' });
  });

  it('sends decoder failures, unknown events and unwatched addresses to dead letters, keeping the log', () => {
    const short = decode({ ...base, address: POOL, topics: [WITHDRAWAL, `0x${word('0')}`], data: `0x${word('1')}` });
    assert.ok('flows' in short);
    assert.equal(short.flows.length, 0);
    assert.match(short.deadLetters[0]!.reason, /Withdrawal at Tornado Cash 100 ETH pool: Withdrawal: expected at least 3 data words/);
    assert.equal(short.deadLetters[0]!.dlq_id, `1:${base.transactionHash}:3`);
    assert.equal(JSON.parse(short.deadLetters[0]!.payload).address, POOL);

    const unknown = decode({ ...base, address: POOL, topics: [TRANSFER, `0x${word('1')}`, `0x${word('2')}`], data: `0x${word('3')}` });
    assert.ok('flows' in unknown);
    assert.match(unknown.deadLetters[0]!.reason, /unknown event 0xddf252ad.* at watched contract Tornado Cash 100 ETH pool/);

    const stranger = decode({
      ...base,
      address: `0x${'99'.repeat(20)}`,
      topics: [DEPOSIT, `0x${word('1')}`],
      data: `0x${word('1')}${word('2')}`,
    });
    assert.ok('flows' in stranger);
    assert.match(stranger.deadLetters[0]!.reason, /unwatched address/);
  });
});

describe('normalizeLog', () => {
  const log = {
    address: POOL,
    topics: [DEPOSIT, `0x${word('1')}`],
    data: `0x${word('2a')}`,
    ...base,
    transactionIndex: '0x0',
  };

  it('keeps lowercase fields as they are, the topics array included', () => {
    const n = normalizeLog(log as never);
    assert.ok(typeof n === 'object');
    assert.equal(n.topics, log.topics, 'no copy of an array that needs no change');
    assert.deepEqual(n, {
      address: POOL,
      topics: log.topics,
      data: log.data,
      blockNumber: 16,
      blockHash: base.blockHash,
      transactionHash: base.transactionHash,
      logIndex: 3,
    });
  });

  it('lowercases mixed-case hex without touching the node’s array', () => {
    const upper = {
      ...log,
      address: POOL.toUpperCase().replace('0X', '0x'),
      topics: [DEPOSIT.toUpperCase().replace('0X', '0x'), log.topics[1]],
      data: log.data.toUpperCase().replace('0X', '0x'),
      blockHash: base.blockHash.toUpperCase().replace('0X', '0x'),
      transactionHash: base.transactionHash.toUpperCase().replace('0X', '0x'),
      blockNumber: '0x1F',
    };
    const before = [...upper.topics];
    const n = normalizeLog(upper as never);
    assert.ok(typeof n === 'object');
    assert.deepEqual(upper.topics, before);
    const lower = normalizeLog(log as never);
    assert.ok(typeof lower === 'object');
    assert.deepEqual(n, { ...lower, blockNumber: 31 });
  });

  it('reads quantities past 2^52 and decimal strings as before, and names what is malformed', () => {
    const big = normalizeLog({ ...log, blockNumber: '0x20000000000000' } as never);
    assert.ok(typeof big === 'object');
    assert.equal(big.blockNumber, 2 ** 53);
    const decimal = normalizeLog({ ...log, logIndex: '12' } as never);
    assert.ok(typeof decimal === 'object');
    assert.equal(decimal.logIndex, 12);
    assert.equal(normalizeLog({ ...log, blockNumber: '0xzz' } as never), 'blockNumber/logIndex not a number');
    assert.equal(normalizeLog({ ...log, address: '0x12' } as never), 'bad address "0x12"');
    assert.equal(normalizeLog({ ...log, topics: [DEPOSIT, 7] } as never), 'a topic is not 32 bytes of hex');
    assert.equal(normalizeLog({ ...log, data: '0xabc' } as never), 'data is not hex');
    assert.equal(normalizeLog({ ...log, data: '0xZZ' } as never), 'data is not hex');
    assert.equal(normalizeLog({ ...log, blockHash: '0x1234' } as never), 'bad blockHash');
    assert.equal(normalizeLog({ ...log, transactionHash: 5 } as never), 'bad transactionHash');
  });
});
