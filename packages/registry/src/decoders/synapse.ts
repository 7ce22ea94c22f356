import { DecodeError } from '@mixwatch/core';
import { keccak256 } from 'viem';
import {
  addressAt,
  bytes32At,
  bytes32ToAccount,
  dynamicBytesAt,
  expectTopics,
  expectWords,
  topicAddress,
  topicBytes32,
  topicWord,
  uintAt,
  word,
  wordToAddress,
  wordToSafeNumber,
} from '../abi.ts';
import { CCTP_DOMAIN_NAMES, counterpartyName, EVM_CHAIN_NAMES } from '../counterparty.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

// Synapse (synapsecns/synapse-contracts deployments/*/SynapseBridge.json, SynapseCCTP ABI).
// Bridge legs pair by `kappa`: the destination event carries kappa = keccak256(origin tx hash),
// so the departure's bridge_ref is computed from its own transaction hash. SynapseCCTP legs pair
// by `requestID`, present on both sides.

/** keccak256 of the 32 tx-hash bytes: the Synapse `kappa` of a departure. */
export function synapseKappa(txHash: string): string {
  return keccak256(txHash as `0x${string}`);
}

/**
 * Departure events whose first non-indexed words are `(uint256 chainId, address token, uint256 amount, …)`
 * and topic1 is the recipient: TokenDeposit, TokenRedeem, TokenDepositAndSwap, TokenRedeemAndSwap,
 * TokenRedeemAndRemove (address indexed to) and TokenRedeemV2 (bytes32 indexed to, non-EVM recipient).
 * The depositor is not in the event: `tx.from`.
 */
function departure(name: string, decoderName: string, words: number, toIsBytes32 = false): Decoder {
  return {
    name: decoderName,
    needsTx: true,
    decode(ctx: DecodeContext): FlowDraft[] {
      const { log, tx } = ctx;
      expectTopics(log, 2, name);
      expectWords(log, words, name);
      if (!tx) throw new DecodeError(`${name}: transaction not provided`);
      const chainId = wordToSafeNumber(word(log, 0), 'chainId');
      const token = tokenFields(ctx, addressAt(log, 1));
      return [
        {
          action: 'bridge_out',
          from_address: tx.from,
          to_address: toIsBytes32 ? bytes32ToAccount(topicWord(log, 1)) : topicAddress(log, 1),
          ...token,
          amount: uintAt(log, 2),
          counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'synapse', chainId),
          bridge_ref: synapseKappa(log.transactionHash),
          extra: { event: name, destination_chain_id: chainId, ...unknownToken(token) },
        },
      ];
    },
  };
}

/**
 * Arrival events `(address indexed to, address token, uint256 amount, uint256 fee, …, bytes32 indexed kappa)`:
 * TokenWithdraw, TokenMint, TokenMintAndSwap, TokenWithdrawAndRemove. The source chain is not in
 * the event (empty counterparty_chain; the paired departure names it).
 */
function arrival(name: string, decoderName: string, words: number): Decoder {
  return {
    name: decoderName,
    needsTx: false,
    decode(ctx: DecodeContext): FlowDraft[] {
      const { log } = ctx;
      expectTopics(log, 3, name);
      expectWords(log, words, name);
      const token = tokenFields(ctx, addressAt(log, 0));
      return [
        {
          action: 'bridge_in',
          from_address: ctx.contract.address,
          to_address: topicAddress(log, 1),
          ...token,
          amount: uintAt(log, 1),
          counterparty_chain: '',
          bridge_ref: topicBytes32(log, 2),
          extra: { event: name, fee: uintAt(log, 2), ...unknownToken(token) },
        },
      ];
    },
  };
}

/** `TokenDeposit(address indexed to, uint256 chainId, address token, uint256 amount)`. */
export const synapseTokenDeposit = departure('TokenDeposit', 'synapse.token_deposit', 3);
/** `TokenRedeem(address indexed to, uint256 chainId, address token, uint256 amount)`. */
export const synapseTokenRedeem = departure('TokenRedeem', 'synapse.token_redeem', 3);
/** `TokenRedeemV2(bytes32 indexed to, uint256 chainId, address token, uint256 amount)`. */
export const synapseTokenRedeemV2 = departure('TokenRedeemV2', 'synapse.token_redeem_v2', 3, true);
/** `TokenDepositAndSwap(address indexed to, uint256 chainId, address token, uint256 amount, uint8 tokenIndexFrom, uint8 tokenIndexTo, uint256 minDy, uint256 deadline)`. */
export const synapseTokenDepositAndSwap = departure('TokenDepositAndSwap', 'synapse.token_deposit_and_swap', 7);
/** `TokenRedeemAndSwap(address indexed to, uint256 chainId, address token, uint256 amount, uint8 tokenIndexFrom, uint8 tokenIndexTo, uint256 minDy, uint256 deadline)`. */
export const synapseTokenRedeemAndSwap = departure('TokenRedeemAndSwap', 'synapse.token_redeem_and_swap', 7);
/** `TokenRedeemAndRemove(address indexed to, uint256 chainId, address token, uint256 amount, uint8 swapTokenIndex, uint256 swapMinAmount, uint256 swapDeadline)`. */
export const synapseTokenRedeemAndRemove = departure('TokenRedeemAndRemove', 'synapse.token_redeem_and_remove', 6);
/** `TokenWithdraw(address indexed to, address token, uint256 amount, uint256 fee, bytes32 indexed kappa)`. */
export const synapseTokenWithdraw = arrival('TokenWithdraw', 'synapse.token_withdraw', 3);
/** `TokenMint(address indexed to, address token, uint256 amount, uint256 fee, bytes32 indexed kappa)`. */
export const synapseTokenMint = arrival('TokenMint', 'synapse.token_mint', 3);
/** `TokenMintAndSwap(address indexed to, address token, uint256 amount, uint256 fee, uint8, uint8, uint256 minDy, uint256 deadline, bool swapSuccess, bytes32 indexed kappa)`. */
export const synapseTokenMintAndSwap = arrival('TokenMintAndSwap', 'synapse.token_mint_and_swap', 8);
/** `TokenWithdrawAndRemove(address indexed to, address token, uint256 amount, uint256 fee, uint8 swapTokenIndex, uint256 swapMinAmount, uint256 swapDeadline, bool swapSuccess, bytes32 indexed kappa)`. */
export const synapseTokenWithdrawAndRemove = arrival('TokenWithdrawAndRemove', 'synapse.token_withdraw_and_remove', 7);

/**
 * SynapseCCTP `CircleRequestSent(uint256 chainId, address indexed sender, uint64 nonce, address token,
 * uint256 amount, uint32 requestVersion, bytes formattedRequest, bytes32 requestID)`.
 */
export const synapseCircleRequestSent: Decoder = {
  name: 'synapse.circle_request_sent',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 2, 'CircleRequestSent');
    expectWords(log, 7, 'CircleRequestSent');
    const chainId = wordToSafeNumber(word(log, 0), 'chainId');
    const token = tokenFields(ctx, addressAt(log, 2));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 1),
        to_address: '',
        ...token,
        amount: uintAt(log, 3),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'synapse', chainId),
        bridge_ref: bytes32At(log, 6),
        extra: { cctp_nonce: uintAt(log, 1), request_version: wordToSafeNumber(word(log, 4), 'requestVersion'), ...unknownToken(token) },
      },
    ];
  },
};

/**
 * SynapseCCTP `CircleRequestFulfilled(uint32 originDomain, address indexed recipient, address mintToken,
 * uint256 fee, address token, uint256 amount, bytes32 requestID)`.
 */
export const synapseCircleRequestFulfilled: Decoder = {
  name: 'synapse.circle_request_fulfilled',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 2, 'CircleRequestFulfilled');
    expectWords(log, 6, 'CircleRequestFulfilled');
    const domain = wordToSafeNumber(word(log, 0), 'originDomain');
    const token = tokenFields(ctx, addressAt(log, 3));
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 1),
        ...token,
        amount: uintAt(log, 4),
        counterparty_chain: counterpartyName(CCTP_DOMAIN_NAMES, 'cctp', domain),
        bridge_ref: bytes32At(log, 5),
        extra: { mint_token: addressAt(log, 1), fee: uintAt(log, 2), origin_domain: domain, ...unknownToken(token) },
      },
    ];
  },
};

/**
 * FastBridge (RFQ) `BridgeRequested(bytes32 indexed transactionId, address indexed sender, bytes request,
 * uint32 destChainId, address originToken, address destToken, uint256 originAmount, uint256 destAmount,
 * bool sendChainGas)` (synapsecns/sanguine packages/contracts-rfq IFastBridge.sol). The recipient is
 * `destRecipient`, word 3 of the abi-encoded BridgeTransaction in `request`. transactionId pairs both legs.
 */
export const synapseBridgeRequested: Decoder = {
  name: 'synapse.bridge_requested',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'BridgeRequested');
    expectWords(log, 8, 'BridgeRequested');
    const request = dynamicBytesAt(log, 0).slice(2);
    const recipient = request.length >= 4 * 64 ? wordToAddress(request.slice(3 * 64, 4 * 64)) : '';
    const dst = wordToSafeNumber(word(log, 1), 'destChainId');
    const token = tokenFields(ctx, addressAt(log, 2));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 2),
        to_address: recipient,
        ...token,
        amount: uintAt(log, 4),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'synapse', dst),
        bridge_ref: topicBytes32(log, 1),
        extra: { dest_token: addressAt(log, 3), dest_amount: uintAt(log, 5), rfq: true, ...unknownToken(token) },
      },
    ];
  },
};

/**
 * FastBridge `BridgeRelayed(bytes32 indexed transactionId, address indexed relayer, address indexed to,
 * uint32 originChainId, address originToken, address destToken, uint256 originAmount, uint256 destAmount,
 * uint256 chainGasAmount)`: the relayer paid `destAmount` of `destToken` to `to`.
 */
export const synapseBridgeRelayed: Decoder = {
  name: 'synapse.bridge_relayed',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'BridgeRelayed');
    expectWords(log, 6, 'BridgeRelayed');
    const origin = wordToSafeNumber(word(log, 0), 'originChainId');
    const token = tokenFields(ctx, addressAt(log, 2));
    return [
      {
        action: 'bridge_in',
        from_address: topicAddress(log, 2),
        to_address: topicAddress(log, 3),
        ...token,
        amount: uintAt(log, 4),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'synapse', origin),
        bridge_ref: topicBytes32(log, 1),
        extra: {
          origin_token: addressAt(log, 1),
          origin_amount: uintAt(log, 3),
          chain_gas: uintAt(log, 5),
          rfq: true,
          ...unknownToken(token),
        },
      },
    ];
  },
};
