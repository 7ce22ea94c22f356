import { addressAt, bytes32At, expectTopics, expectWords, uintAt, word, wordToSafeNumber } from '../abi.ts';
import { counterpartyName, EVM_CHAIN_NAMES } from '../counterparty.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Celer cBridge liquidity Bridge (celer-network/sgn-v2-contracts contracts/liquidity-bridge/Bridge.sol);
// nothing is indexed. The departure's transferId reappears as the arrival's srcTransferId.

/** `Send(bytes32 transferId, address sender, address receiver, address token, uint256 amount, uint64 dstChainId, uint64 nonce, uint32 maxSlippage)`. */
export const cbridgeSend: Decoder = {
  name: 'cbridge.send',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'Send');
    expectWords(log, 8, 'Send');
    const dst = wordToSafeNumber(word(log, 5), 'dstChainId');
    const token = tokenFields(ctx, addressAt(log, 3));
    return [
      {
        action: 'bridge_out',
        from_address: addressAt(log, 1),
        to_address: addressAt(log, 2),
        ...token,
        amount: uintAt(log, 4),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'cbridge', dst),
        bridge_ref: bytes32At(log, 0),
        extra: { nonce: uintAt(log, 6), max_slippage: wordToSafeNumber(word(log, 7), 'maxSlippage'), ...unknownToken(token) },
      },
    ];
  },
};

/** `Relay(bytes32 transferId, address sender, address receiver, address token, uint256 amount, uint64 srcChainId, bytes32 srcTransferId)`. */
export const cbridgeRelay: Decoder = {
  name: 'cbridge.relay',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'Relay');
    expectWords(log, 7, 'Relay');
    const src = wordToSafeNumber(word(log, 5), 'srcChainId');
    const token = tokenFields(ctx, addressAt(log, 3));
    return [
      {
        action: 'bridge_in',
        from_address: addressAt(log, 1),
        to_address: addressAt(log, 2),
        ...token,
        amount: uintAt(log, 4),
        counterparty_chain: counterpartyName(EVM_CHAIN_NAMES, 'cbridge', src),
        bridge_ref: bytes32At(log, 6),
        extra: { transfer_id: bytes32At(log, 0), ...unknownToken(token) },
      },
    ];
  },
};
