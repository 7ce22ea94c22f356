import {
  addressAt,
  bytes32At,
  bytes32ToAccount,
  dynamicBytesAt,
  expectTopics,
  expectWords,
  topicAddress,
  topicBytes32,
  topicUint,
  uintAt,
} from '../abi.ts';
import { counterpartyName, EVM_CHAIN_NAMES } from '../counterparty.ts';
import { nativeFields } from '../tokens.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

// deBridgeGate (debridge-finance/debridge-contracts-v1 contracts/interfaces/IDeBridgeGate.sol).
// submissionId is in both legs. The asset is identified by debridgeId = keccak(chainId, token
// address) which cannot be inverted here: non-native assets keep token '' and the id in extra.

function asset(
  ctx: DecodeContext,
  isNative: boolean,
  debridgeId: string,
): Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals'> & { extra: Record<string, unknown> } {
  if (isNative) return { ...nativeFields(ctx), extra: { debridge_id: debridgeId } };
  return { token: '', token_symbol: '', decimals: 0, extra: { debridge_id: debridgeId, decimals_unknown: true } };
}

function receiverBytes(hex: string): string {
  const h = hex.slice(2);
  return h.length === 40 ? `0x${h.toLowerCase()}` : h.length === 64 ? bytes32ToAccount(h) : hex.toLowerCase();
}

/**
 * `Sent(bytes32 submissionId, bytes32 indexed debridgeId, uint256 amount, bytes receiver, uint256 nonce,
 * uint256 indexed chainIdTo, uint32 referralCode, FeeParams feeParams, bytes autoParams, address nativeSender)`
 * with FeeParams = (uint256 receivedAmount, uint256 fixFee, uint256 transferFee, bool useAssetFee, bool isNativeToken), inline.
 */
export const debridgeSent: Decoder = {
  name: 'debridge.sent',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'Sent');
    expectWords(log, 12, 'Sent');
    const to = topicUint(log, 2);
    const { extra, ...token } = asset(ctx, uintAt(log, 9) !== '0', topicBytes32(log, 1));
    return [
      {
        action: 'bridge_out',
        from_address: addressAt(log, 11),
        to_address: receiverBytes(dynamicBytesAt(log, 2)),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'debridge', to),
        bridge_ref: bytes32At(log, 0),
        extra: { ...extra, nonce: uintAt(log, 3), received_amount: uintAt(log, 5), fix_fee: uintAt(log, 6), transfer_fee: uintAt(log, 7) },
      },
    ];
  },
};

/**
 * `Claimed(bytes32 submissionId, bytes32 indexed debridgeId, uint256 amount, address indexed receiver,
 * uint256 nonce, uint256 indexed chainIdFrom, bytes autoParams, bool isNativeToken)`.
 */
export const debridgeClaimed: Decoder = {
  name: 'debridge.claimed',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'Claimed');
    expectWords(log, 5, 'Claimed');
    const from = topicUint(log, 3);
    const { extra, ...token } = asset(ctx, uintAt(log, 4) !== '0', topicBytes32(log, 1));
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 2),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'debridge', from),
        bridge_ref: bytes32At(log, 0),
        extra: { ...extra, nonce: uintAt(log, 2) },
      },
    ];
  },
};
