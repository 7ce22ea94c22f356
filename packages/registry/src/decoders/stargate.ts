import { DecodeError } from '@mixwatch/core';
import { addressAt, expectTopics, expectWords, topicAddress, topicBytes32, uintAt, word, wordToSafeNumber } from '../abi.ts';
import { counterpartyName, LZ_V1_CHAIN_NAMES, LZ_V2_EID_NAMES } from '../counterparty.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

// Stargate. Each pool moves one asset (registry `token`, from data/contract-assets.json).
// v1 (stargate-protocol/stargate contracts/Pool.sol): Swap/SwapRemote carry amounts in the pool's
// shared decimals and no common id: pairing is by amount and time (registry `pairing`).
// v2 (stargate-protocol/stargate-v2, OFT events): the LayerZero `guid` is in both legs.

function poolToken(ctx: DecodeContext, sharedDecimals: boolean): Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals'> {
  const t = ctx.contract.token;
  if (!t) throw new DecodeError(`${ctx.event.name}: Stargate pool ${ctx.contract.address} has no asset in the registry`);
  const decimals = sharedDecimals ? (ctx.contract.sharedDecimals ?? t.decimals) : t.decimals;
  return { token: t.address, token_symbol: t.symbol, decimals };
}

/**
 * v1 Pool `Swap(uint16 chainId, uint256 dstPoolId, address from, uint256 amountSD, uint256 eqReward,
 * uint256 eqFee, uint256 protocolFee, uint256 lpFee)` (nothing indexed): departure. `amount` is
 * amountSD (what is credited on the other side, shared decimals); fees in extra. The recipient is
 * only in the LayerZero payload: `to_address` is empty.
 */
export const stargateV1Swap: Decoder = {
  name: 'stargate.v1_swap',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'Swap');
    expectWords(log, 8, 'Swap');
    const lzChain = wordToSafeNumber(word(log, 0), 'chainId');
    return [
      {
        action: 'bridge_out',
        from_address: addressAt(log, 2),
        to_address: '',
        ...poolToken(ctx, true),
        amount: uintAt(log, 3),
        counterparty_chain: counterpartyName(LZ_V1_CHAIN_NAMES, 'layerzero', lzChain),
        bridge_ref: '',
        extra: {
          lz_chain_id: lzChain,
          dst_pool_id: uintAt(log, 1),
          eq_reward: uintAt(log, 4),
          eq_fee: uintAt(log, 5),
          protocol_fee: uintAt(log, 6),
          lp_fee: uintAt(log, 7),
        },
      },
    ];
  },
};

/** v1 Pool `SwapRemote(address to, uint256 amountSD, uint256 protocolFee, uint256 dstFee)`: arrival; the source chain is not in the event. */
export const stargateV1SwapRemote: Decoder = {
  name: 'stargate.v1_swap_remote',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'SwapRemote');
    expectWords(log, 4, 'SwapRemote');
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: addressAt(log, 0),
        ...poolToken(ctx, true),
        amount: uintAt(log, 1),
        counterparty_chain: '',
        bridge_ref: '',
        extra: { protocol_fee: uintAt(log, 2), dst_fee: uintAt(log, 3) },
      },
    ];
  },
};

/** v2 `OFTSent(bytes32 indexed guid, uint32 dstEid, address indexed fromAddress, uint256 amountSentLD, uint256 amountReceivedLD)`. */
export const stargateV2OftSent: Decoder = {
  name: 'stargate.v2_oft_sent',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'OFTSent');
    expectWords(log, 3, 'OFTSent');
    const eid = wordToSafeNumber(word(log, 0), 'dstEid');
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 2),
        to_address: '',
        ...poolToken(ctx, false),
        amount: uintAt(log, 1),
        counterparty_chain: counterpartyName(LZ_V2_EID_NAMES, 'layerzero', eid),
        bridge_ref: topicBytes32(log, 1),
        extra: { dst_eid: eid, amount_received: uintAt(log, 2) },
      },
    ];
  },
};

/** v2 `OFTReceived(bytes32 indexed guid, uint32 srcEid, address indexed toAddress, uint256 amountReceivedLD)`. */
export const stargateV2OftReceived: Decoder = {
  name: 'stargate.v2_oft_received',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'OFTReceived');
    expectWords(log, 2, 'OFTReceived');
    const eid = wordToSafeNumber(word(log, 0), 'srcEid');
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 2),
        ...poolToken(ctx, false),
        amount: uintAt(log, 1),
        counterparty_chain: counterpartyName(LZ_V2_EID_NAMES, 'layerzero', eid),
        bridge_ref: topicBytes32(log, 1),
        extra: { src_eid: eid },
      },
    ];
  },
};
