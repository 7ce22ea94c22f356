import { DecodeError } from '@mixwatch/core';
import { addressAt, bytes32At, expectTopics, expectWords, safeNumberAt, topicAddress, uintAt } from '../abi.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

function denomination(ctx: DecodeContext): Pick<FlowDraft, 'token' | 'token_symbol' | 'amount' | 'decimals'> {
  const d = ctx.contract.denomination;
  if (!d) throw new DecodeError(`tornado pool ${ctx.contract.address} has no denomination in the registry`);
  if (d.token === 'native') return { token: 'native', token_symbol: ctx.chain.nativeSymbol, amount: d.raw, decimals: 18 };
  return { token: d.token.address, token_symbol: d.token.symbol, amount: d.raw, decimals: d.token.decimals };
}

/**
 * Tornado Cash `Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp)`.
 * The event names no depositor: it is `tx.from`; the amount is the pool denomination (for
 * native pools equal to `tx.value` when called directly; the router forwards the same value).
 */
export const tornadoDeposit: Decoder = {
  name: 'tornado.deposit',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 2, 'Deposit');
    expectWords(log, 2, 'Deposit');
    if (!tx) throw new DecodeError('Deposit: transaction not provided');
    return [
      {
        action: 'deposit',
        from_address: tx.from,
        to_address: ctx.contract.address,
        ...denomination(ctx),
        extra: {
          commitment: log.topics[1],
          leaf_index: safeNumberAt(log, 0, 'Deposit leafIndex'),
          timestamp: safeNumberAt(log, 1, 'Deposit timestamp'),
          tx_value: tx.value,
          via: tx.to && tx.to !== ctx.contract.address ? tx.to : undefined,
        },
      },
    ];
  },
};

/**
 * Tornado Cash `Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee)`.
 * `amount` is the denomination leaving the pool; the recipient gets `amount - fee`, the relayer `fee`.
 */
export const tornadoWithdrawal: Decoder = {
  name: 'tornado.withdrawal',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 2, 'Withdrawal');
    expectWords(log, 3, 'Withdrawal');
    return [
      {
        action: 'withdrawal',
        from_address: ctx.contract.address,
        to_address: addressAt(log, 0),
        ...denomination(ctx),
        extra: {
          nullifier_hash: bytes32At(log, 1),
          relayer: topicAddress(log, 1),
          fee: uintAt(log, 2),
        },
      },
    ];
  },
};
