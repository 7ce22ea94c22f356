import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeAbiParameters, keccak256, pad, toBytes } from 'viem';
import type { ReplayLog } from './replay.ts';

const here = dirname(fileURLToPath(import.meta.url));

export const TOPIC = {
  tornadoDeposit: keccak256(toBytes('Deposit(bytes32,uint32,uint256)')),
  tornadoWithdrawal: keccak256(toBytes('Withdrawal(address,bytes32,address,uint256)')),
  transfer: keccak256(toBytes('Transfer(address,address,uint256)')),
  addedBlackList: keccak256(toBytes('AddedBlackList(address)')),
  removedBlackList: keccak256(toBytes('RemovedBlackList(address)')),
  destroyedBlackFunds: keccak256(toBytes('DestroyedBlackFunds(address,uint256)')),
};

/** Real addresses used by the fixtures. */
export const ADDR = {
  tornado100Eth: '0xa160cdab225685da1d56aa342ad8841c3b53f291',
  usdtEthereum: '0xdac17f958d2ee523a2206206994597c13d831ec7',
  /** Harmony Horizon exploiter (FBI-attributed to Lazarus), from shared/data/labels/dprk_harmony_horizon_2022.csv. */
  harmonyExploiter: '0x0d043128146654c7683fbf30ac98d7b2285ded00',
  /** Stand-in relayer: the Tornado caches do not record the (indexed) relayer of withdrawals. */
  relayer: '0x000000000000000000000000000000000000dead',
};

interface TornadoFixture {
  pool: string;
  deposits: Array<{ blockNumber: number; transactionHash: string; commitment: string; leafIndex: number; timestamp: string | number }>;
  withdrawals: Array<{ blockNumber: number; transactionHash: string; nullifierHash: string; to: string; fee: string }>;
}

/** The recorded Tornado 100 ETH pool events (test/fixtures/tornado-eth-100.json, with its source). */
export function tornadoFixture(): TornadoFixture {
  return JSON.parse(readFileSync(join(here, '../fixtures/tornado-eth-100.json'), 'utf8'));
}

/** One recorded event turned into a replayable log plus what the flow must look like. */
export interface ReplayCase {
  log: ReplayLog;
  expect: {
    action: string;
    from_address: string;
    to_address: string;
    tx_from: string;
    amount: string;
    token: string;
    original_tx: string;
    block: number;
  };
}

/**
 * Replay cases of the first `deposits` deposits and `withdrawals` withdrawals of the recorded
 * Tornado 100 ETH pool, in their original order and block times. The caches do not record who
 * deposited (it is only in the transaction) nor the relayer: deposits are sent from `depositor`
 * (default: the Harmony exploiter address), withdrawals from the stand-in relayer.
 */
export function tornadoCases(options: { deposits: number; withdrawals: number; depositor?: string }): ReplayCase[] {
  const f = tornadoFixture();
  const depositor = (options.depositor ?? ADDR.harmonyExploiter).toLowerCase();
  const denom = (100n * 10n ** 18n).toString();
  type Ev = { block: number; kind: 'd' | 'w'; i: number };
  const evs: Ev[] = [
    ...f.deposits.slice(0, options.deposits).map((d, i) => ({ block: d.blockNumber, kind: 'd' as const, i })),
    ...f.withdrawals.slice(0, options.withdrawals).map((w, i) => ({ block: w.blockNumber, kind: 'w' as const, i })),
  ].sort((a, b) => a.block - b.block || (a.kind === b.kind ? a.i - b.i : a.kind === 'd' ? -1 : 1));
  let lastTs = Number(f.deposits[0]!.timestamp) - 1;
  return evs.map((e) => {
    if (e.kind === 'd') {
      const d = f.deposits[e.i]!;
      const ts = Math.max(lastTs + 1, Number(d.timestamp));
      lastTs = ts;
      return {
        log: {
          address: f.pool,
          topics: [TOPIC.tornadoDeposit, d.commitment],
          data: encodeAbiParameters([{ type: 'uint32' }, { type: 'uint256' }], [d.leafIndex, BigInt(d.timestamp)]),
          from: depositor,
          value: denom,
          timestamp: ts,
        },
        expect: {
          action: 'deposit',
          from_address: depositor,
          to_address: f.pool,
          tx_from: depositor,
          amount: denom,
          token: 'native',
          original_tx: d.transactionHash,
          block: d.blockNumber,
        },
      };
    }
    const w = f.withdrawals[e.i]!;
    lastTs += 13;
    return {
      log: {
        address: f.pool,
        topics: [TOPIC.tornadoWithdrawal, pad(ADDR.relayer as `0x${string}`)],
        data: encodeAbiParameters(
          [{ type: 'address' }, { type: 'bytes32' }, { type: 'uint256' }],
          [w.to as `0x${string}`, w.nullifierHash as `0x${string}`, BigInt(w.fee)],
        ),
        from: ADDR.relayer,
        timestamp: lastTs,
      },
      expect: {
        action: 'withdrawal',
        from_address: f.pool,
        to_address: w.to.toLowerCase(),
        tx_from: '',
        amount: denom,
        token: 'native',
        original_tx: w.transactionHash,
        block: w.blockNumber,
      },
    };
  });
}

/** A USDT (Ethereum) `Transfer` log at the real token address. */
export function usdtTransfer(from: string, to: string, amount: bigint, sender = from): ReplayLog {
  return {
    address: ADDR.usdtEthereum,
    topics: [TOPIC.transfer, pad(from as `0x${string}`), pad(to as `0x${string}`)],
    data: encodeAbiParameters([{ type: 'uint256' }], [amount]),
    from: sender,
  };
}

/** Tether's legacy blacklist events: the address is in data, not in a topic. */
export function usdtBlacklist(kind: 'added' | 'removed' | 'destroyed', user: string, balance = 0n): ReplayLog {
  const tetherOwner = '0xc6cde7c39eb2f0f0095f41570af89efc2c1ea828';
  if (kind === 'destroyed') {
    return {
      address: ADDR.usdtEthereum,
      topics: [TOPIC.destroyedBlackFunds],
      data: encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [user as `0x${string}`, balance]),
      from: tetherOwner,
    };
  }
  return {
    address: ADDR.usdtEthereum,
    topics: [kind === 'added' ? TOPIC.addedBlackList : TOPIC.removedBlackList],
    data: encodeAbiParameters([{ type: 'address' }], [user as `0x${string}`]),
    from: tetherOwner,
  };
}
