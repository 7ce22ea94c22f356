import { DecodeError } from '@mixwatch/core';
import { toFunctionSelector } from 'viem';
import { addressAt, callArgs, expectTopics, expectWords, topicAddress, topicBytes32, topicUint, uintAt } from '../abi.ts';
import { counterpartyName, EVM_CHAIN_NAMES } from '../counterparty.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

// Hop (hop-protocol/hop packages/sdk/abi L1_Bridge / L2_Bridge). L2 departures carry a transferId
// that the destination's WithdrawalBonded / Withdrew repeat: bridge_ref = transferId. L1→L2
// deposits (TransferSentToL2 → TransferFromL1Completed) share no id: pairing by amount and time.
// Each bridge moves one asset (registry `token`, from data/contract-assets.json).

const BOND_WITHDRAWAL = [
  toFunctionSelector('bondWithdrawal(address,uint256,bytes32,uint256)'),
  toFunctionSelector('bondWithdrawalAndDistribute(address,uint256,bytes32,uint256,uint256,uint256)'),
];

function asset(ctx: DecodeContext): Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals'> {
  const t = ctx.contract.token;
  if (!t) throw new DecodeError(`${ctx.event.name}: Hop bridge ${ctx.contract.address} has no asset in the registry`);
  return { token: t.address, token_symbol: t.symbol, decimals: t.decimals };
}

/** L1 `TransferSentToL2(uint256 indexed chainId, address indexed recipient, uint256 amount, uint256 amountOutMin, uint256 deadline, address indexed relayer, uint256 relayerFee)`. */
export const hopTransferSentToL2: Decoder = {
  name: 'hop.transfer_sent_to_l2',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 4, 'TransferSentToL2');
    expectWords(log, 4, 'TransferSentToL2');
    if (!tx) throw new DecodeError('TransferSentToL2: transaction not provided');
    return [
      {
        action: 'bridge_out',
        from_address: tx.from,
        to_address: topicAddress(log, 2),
        ...asset(ctx),
        amount: uintAt(log, 0),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'hop', topicUint(log, 1)),
        bridge_ref: '',
        extra: { relayer: topicAddress(log, 3), relayer_fee: uintAt(log, 3), amount_out_min: uintAt(log, 1) },
      },
    ];
  },
};

/** L2 `TransferSent(bytes32 indexed transferId, uint256 indexed chainId, address indexed recipient, uint256 amount, bytes32 transferNonce, uint256 bonderFee, uint256 index, uint256 amountOutMin, uint256 deadline)`. */
export const hopTransferSent: Decoder = {
  name: 'hop.transfer_sent',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 4, 'TransferSent');
    expectWords(log, 6, 'TransferSent');
    if (!tx) throw new DecodeError('TransferSent: transaction not provided');
    return [
      {
        action: 'bridge_out',
        from_address: tx.from,
        to_address: topicAddress(log, 3),
        ...asset(ctx),
        amount: uintAt(log, 0),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'hop', topicUint(log, 2)),
        bridge_ref: topicBytes32(log, 1),
        extra: { bonder_fee: uintAt(log, 2) },
      },
    ];
  },
};

/**
 * `WithdrawalBonded(bytes32 indexed transferId, uint256 amount)`: a bonder paid out a transfer. The
 * recipient is read from the bonder's call (bondWithdrawal / bondWithdrawalAndDistribute first
 * argument) when the transaction is a direct call; otherwise it stays empty.
 */
export const hopWithdrawalBonded: Decoder = {
  name: 'hop.withdrawal_bonded',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 2, 'WithdrawalBonded');
    expectWords(log, 1, 'WithdrawalBonded');
    let to = '';
    for (const sel of BOND_WITHDRAWAL) {
      const args = callArgs(tx?.input, sel);
      if (args) to = addressAt(args, 0);
    }
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: to,
        ...asset(ctx),
        amount: uintAt(log, 0),
        counterparty_chain: '',
        bridge_ref: topicBytes32(log, 1),
        extra: { bonded: true },
      },
    ];
  },
};

/** `Withdrew(bytes32 indexed transferId, address indexed recipient, uint256 amount, bytes32 transferNonce)`: unbonded withdrawal with a proof. */
export const hopWithdrew: Decoder = {
  name: 'hop.withdrew',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'Withdrew');
    expectWords(log, 2, 'Withdrew');
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 2),
        ...asset(ctx),
        amount: uintAt(log, 0),
        counterparty_chain: '',
        bridge_ref: topicBytes32(log, 1),
        extra: { bonded: false },
      },
    ];
  },
};

/** L2 `TransferFromL1Completed(address indexed recipient, uint256 amount, uint256 amountOutMin, uint256 deadline, address indexed relayer, uint256 relayerFee)`. */
export const hopTransferFromL1Completed: Decoder = {
  name: 'hop.transfer_from_l1_completed',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'TransferFromL1Completed');
    expectWords(log, 4, 'TransferFromL1Completed');
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 1),
        ...asset(ctx),
        amount: uintAt(log, 0),
        counterparty_chain: 'ethereum',
        bridge_ref: '',
        extra: { relayer: topicAddress(log, 2), relayer_fee: uintAt(log, 3) },
      },
    ];
  },
};
