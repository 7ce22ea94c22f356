import {
  addressAt,
  bytes32ToAccount,
  expectTopics,
  expectWords,
  topicAddress,
  topicUint,
  topicWord,
  uintAt,
  word,
  wordToAddress,
  wordToSafeNumber,
} from '../abi.ts';
import { counterpartyName, EVM_CHAIN_NAMES } from '../counterparty.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Across SpokePool (across-protocol/contracts deployments/mainnet/Ethereum_SpokePool.json ABI).
// A deposit is identified by (origin chain id, depositId) everywhere: bridge_ref = `${origin}:${depositId}`
// on the deposit (origin = this chain) and on the fill (origin = the event's originChainId).
// V3 events use address fields; the 2025 events use bytes32 (non-EVM chains such as Solana).

/**
 * `V3FundsDeposited(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount,
 * uint256 indexed destinationChainId, uint32 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline,
 * uint32 exclusivityDeadline, address indexed depositor, address recipient, address exclusiveRelayer, bytes message)`.
 */
export const acrossV3FundsDeposited: Decoder = {
  name: 'across.v3_funds_deposited',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'V3FundsDeposited');
    expectWords(log, 10, 'V3FundsDeposited');
    const dst = topicUint(log, 1);
    const token = tokenFields(ctx, addressAt(log, 0));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 3),
        to_address: addressAt(log, 7),
        ...token,
        amount: uintAt(log, 2),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'across', dst),
        bridge_ref: `${ctx.chain.chainId}:${topicUint(log, 2)}`,
        extra: { output_token: addressAt(log, 1), output_amount: uintAt(log, 3), destination_chain_id: dst, ...unknownToken(token) },
      },
    ];
  },
};

/**
 * `FundsDeposited(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount,
 * uint256 indexed destinationChainId, uint256 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline,
 * uint32 exclusivityDeadline, bytes32 indexed depositor, bytes32 recipient, bytes32 exclusiveRelayer, bytes message)`.
 */
export const acrossFundsDeposited: Decoder = {
  name: 'across.funds_deposited',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'FundsDeposited');
    expectWords(log, 10, 'FundsDeposited');
    const dst = topicUint(log, 1);
    const token = tokenFields(ctx, addressAt(log, 0));
    return [
      {
        action: 'bridge_out',
        from_address: wordToAddress(topicWord(log, 3)),
        to_address: bytes32ToAccount(word(log, 7)),
        ...token,
        amount: uintAt(log, 2),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'across', dst),
        bridge_ref: `${ctx.chain.chainId}:${topicUint(log, 2)}`,
        extra: {
          output_token: bytes32ToAccount(word(log, 1)),
          output_amount: uintAt(log, 3),
          destination_chain_id: dst,
          ...unknownToken(token),
        },
      },
    ];
  },
};

/**
 * `FilledV3Relay(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount,
 * uint256 repaymentChainId, uint256 indexed originChainId, uint32 indexed depositId, uint32 fillDeadline,
 * uint32 exclusivityDeadline, address exclusiveRelayer, address indexed relayer, address depositor,
 * address recipient, bytes message, (address updatedRecipient, bytes updatedMessage, uint256 updatedOutputAmount, uint8 fillType) relayExecutionInfo)`.
 * The payout is the updated recipient/amount (equal to the originals unless the depositor sped the deposit up).
 */
export const acrossFilledV3Relay: Decoder = {
  name: 'across.filled_v3_relay',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'FilledV3Relay');
    expectWords(log, 12, 'FilledV3Relay');
    const origin = topicUint(log, 1);
    const info = wordToSafeNumber(word(log, 11), 'relayExecutionInfo offset') / 32;
    const token = tokenFields(ctx, addressAt(log, 1));
    return [
      {
        action: 'bridge_in',
        from_address: addressAt(log, 8),
        to_address: addressAt(log, info),
        ...token,
        amount: uintAt(log, info + 2),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'across', origin),
        bridge_ref: `${origin}:${topicUint(log, 2)}`,
        extra: {
          relayer: topicAddress(log, 3),
          input_token: addressAt(log, 0),
          input_amount: uintAt(log, 2),
          fill_type: wordToSafeNumber(word(log, info + 3), 'fillType'),
          ...unknownToken(token),
        },
      },
    ];
  },
};

/**
 * `FilledRelay(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount,
 * uint256 repaymentChainId, uint256 indexed originChainId, uint256 indexed depositId, uint32 fillDeadline,
 * uint32 exclusivityDeadline, bytes32 exclusiveRelayer, bytes32 indexed relayer, bytes32 depositor,
 * bytes32 recipient, bytes32 messageHash, (bytes32 updatedRecipient, bytes32 updatedMessageHash, uint256 updatedOutputAmount, uint8 fillType) relayExecutionInfo)`
 * — all static: the tuple is inline in words 11..14.
 */
export const acrossFilledRelay: Decoder = {
  name: 'across.filled_relay',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'FilledRelay');
    expectWords(log, 15, 'FilledRelay');
    const origin = topicUint(log, 1);
    const token = tokenFields(ctx, addressAt(log, 1));
    return [
      {
        action: 'bridge_in',
        from_address: bytes32ToAccount(word(log, 8)),
        to_address: addressAt(log, 11),
        ...token,
        amount: uintAt(log, 13),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'across', origin),
        bridge_ref: `${origin}:${topicUint(log, 2)}`,
        extra: {
          relayer: bytes32ToAccount(topicWord(log, 3)),
          input_token: bytes32ToAccount(word(log, 0)),
          input_amount: uintAt(log, 2),
          fill_type: wordToSafeNumber(word(log, 14), 'fillType'),
          ...unknownToken(token),
        },
      },
    ];
  },
};
