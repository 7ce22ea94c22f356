import { DecodeError } from '@mixwatch/core';
import { toFunctionSelector } from 'viem';
import { bytes32At, bytes32ToAccount, callArgs, expectTopics, expectWords, uintAt, word, wordToAddress, wordToSafeNumber } from '../abi.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder, FlowDraft } from '../types.ts';

// Allbridge Core Bridge (allbridge-io/allbridge-core-evm-contracts contracts/Bridge.sol); nothing
// indexed. The user-chosen `nonce` is in both legs: bridge_ref = nonce (0x + 32 bytes).
// TokensSent.amount is in the internal vUSD unit (3 decimals); the user's token and amount are
// read from the swapAndBridge call when the transaction is a direct call.
// Allbridge numbers chains its own way; the mapping was not verified from a primary source, so the
// counterparty is kept as `allbridge:<id>` (see docs/coverage.md).

const SWAP_AND_BRIDGE = toFunctionSelector('swapAndBridge(bytes32,uint256,bytes32,uint256,bytes32,uint256,uint8,uint256)');
const RECEIVE_TOKENS = toFunctionSelector('receiveTokens(uint256,bytes32,uint256,bytes32,uint256,uint8,uint256)');

/** `TokensSent(uint amount, bytes32 recipient, uint destinationChainId, bytes32 receiveToken, uint nonce, MessengerProtocol messenger)`. */
export const allbridgeTokensSent: Decoder = {
  name: 'allbridge.tokens_sent',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 1, 'TokensSent');
    expectWords(log, 6, 'TokensSent');
    if (!tx) throw new DecodeError('TokensSent: transaction not provided');
    const dst = wordToSafeNumber(word(log, 2), 'destinationChainId');
    let value: Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals' | 'amount'> = {
      token: '',
      token_symbol: 'vUSD',
      decimals: 3,
      amount: uintAt(log, 0),
    };
    const args = callArgs(tx.input, SWAP_AND_BRIDGE);
    if (args) value = { ...tokenFields(ctx, wordToAddress(word(args, 0))), amount: uintAt(args, 1) };
    return [
      {
        action: 'bridge_out',
        from_address: tx.from,
        to_address: bytes32ToAccount(word(log, 1)),
        ...value,
        counterparty_chain: `allbridge:${dst}`,
        bridge_ref: bytes32At(log, 4),
        extra: {
          vusd_amount: uintAt(log, 0),
          receive_token: bytes32ToAccount(word(log, 3)),
          messenger: wordToSafeNumber(word(log, 5), 'messenger'),
          ...(value.token ? unknownToken(value) : {}),
        },
      },
    ];
  },
};

/** `TokensReceived(uint amount, bytes32 recipient, uint nonce, MessengerProtocol messenger, bytes32 message)`; token and source chain from the receiveTokens call. */
export const allbridgeTokensReceived: Decoder = {
  name: 'allbridge.tokens_received',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 1, 'TokensReceived');
    expectWords(log, 5, 'TokensReceived');
    const args = callArgs(tx?.input, RECEIVE_TOKENS);
    const token = args ? tokenFields(ctx, wordToAddress(word(args, 3))) : { token: '', token_symbol: '', decimals: 0 };
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: bytes32ToAccount(word(log, 1)),
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: args ? `allbridge:${wordToSafeNumber(word(args, 2), 'sourceChainId')}` : '',
        bridge_ref: bytes32At(log, 2),
        extra: {
          message: bytes32At(log, 4),
          messenger: wordToSafeNumber(word(log, 3), 'messenger'),
          ...(token.token ? unknownToken(token) : { decimals_unknown: true }),
        },
      },
    ];
  },
};
