import { bytes32At, dynamicStringAt, expectTopics, expectWords, normalizeAccountText, topicAddress, uintAt, word } from '../abi.ts';
import { AXELAR_CHAIN_NAMES } from '../counterparty.ts';
import type { Decoder } from '../types.ts';

// Axelar Gateway (axelarnetwork/axelar-cgp-solidity contracts/interfaces/IAxelarGateway.sol).
// The arrival (ContractCallApprovedWithMint) names the departure by (sourceTxHash, sourceEventIndex):
// bridge_ref = `${txHash}:${logIndex}` of the departure on both legs. Gateway tokens are named by
// symbol only (the address is Gateway state): token '' with token_symbol set, decimals unknown (0).

function chain(name: string): string {
  const k = name.toLowerCase();
  return AXELAR_CHAIN_NAMES[k] ?? `axelar:${k}`;
}

/** `ContractCallWithToken(address indexed sender, string destinationChain, string destinationContractAddress, bytes32 indexed payloadHash, bytes payload, string symbol, uint256 amount)`. */
export const axelarContractCallWithToken: Decoder = {
  name: 'axelar.contract_call_with_token',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'ContractCallWithToken');
    expectWords(log, 5, 'ContractCallWithToken');
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 1),
        to_address: normalizeAccountText(dynamicStringAt(log, 1)),
        token: '',
        token_symbol: dynamicStringAt(log, 3),
        amount: uintAt(log, 4),
        decimals: 0,
        counterparty_chain: chain(dynamicStringAt(log, 0)),
        bridge_ref: `${log.transactionHash.toLowerCase()}:${log.logIndex}`,
        extra: { payload_hash: log.topics[2], decimals_unknown: true },
      },
    ];
  },
};

/** `TokenSent(address indexed sender, string destinationChain, string destinationAddress, string symbol, uint256 amount)` (historical). */
export const axelarTokenSent: Decoder = {
  name: 'axelar.token_sent',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 2, 'TokenSent');
    expectWords(log, 4, 'TokenSent');
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 1),
        to_address: normalizeAccountText(dynamicStringAt(log, 1)),
        token: '',
        token_symbol: dynamicStringAt(log, 2),
        amount: uintAt(log, 3),
        decimals: 0,
        counterparty_chain: chain(dynamicStringAt(log, 0)),
        bridge_ref: `${log.transactionHash.toLowerCase()}:${log.logIndex}`,
        extra: { decimals_unknown: true },
      },
    ];
  },
};

/**
 * `ContractCallApprovedWithMint(bytes32 indexed commandId, string sourceChain, string sourceAddress,
 * address indexed contractAddress, bytes32 indexed payloadHash, string symbol, uint256 amount,
 * bytes32 sourceTxHash, uint256 sourceEventIndex)`: the arrival is approved (tokens minted to the
 * destination contract when it executes).
 */
export const axelarContractCallApprovedWithMint: Decoder = {
  name: 'axelar.contract_call_approved_with_mint',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'ContractCallApprovedWithMint');
    expectWords(log, 6, 'ContractCallApprovedWithMint');
    return [
      {
        action: 'bridge_in',
        from_address: normalizeAccountText(dynamicStringAt(log, 1)),
        to_address: topicAddress(log, 2),
        token: '',
        token_symbol: dynamicStringAt(log, 2),
        amount: uintAt(log, 3),
        decimals: 0,
        counterparty_chain: chain(dynamicStringAt(log, 0)),
        bridge_ref: `${bytes32At(log, 4)}:${BigInt(`0x${word(log, 5)}`)}`,
        extra: { command_id: log.topics[1], decimals_unknown: true },
      },
    ];
  },
};
