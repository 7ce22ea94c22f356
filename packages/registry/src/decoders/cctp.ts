import { toFunctionSelector } from 'viem';
import {
  bytes32ToAccount,
  callArgs,
  dynamicBytesAt,
  expectTopics,
  expectWords,
  topicAddress,
  topicUint,
  uintAt,
  word,
  wordToSafeNumber,
} from '../abi.ts';
import { CCTP_DOMAIN_NAMES, counterpartyName } from '../counterparty.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Circle CCTP v1 TokenMessenger (circlefin/evm-cctp-contracts; ABI via wormhole-sdk-ts circle_abis).
// A transfer is identified by (source domain, nonce): bridge_ref = `${sourceDomain}:${nonce}`.
// MintAndWithdraw has no nonce: it is read from the CCTP message in the transaction input
// (MessageTransmitter.receiveMessage(bytes message, bytes attestation); message = u32 version |
// u32 sourceDomain | u32 destinationDomain | u64 nonce | bytes32 sender | bytes32 recipient |
// bytes32 destinationCaller | body).

const DOMAIN_OF: Record<string, number> = Object.fromEntries(Object.entries(CCTP_DOMAIN_NAMES).map(([d, n]) => [n, Number(d)]));
const RECEIVE_MESSAGE = toFunctionSelector('receiveMessage(bytes,bytes)');

/**
 * `DepositForBurn(uint64 indexed nonce, address indexed burnToken, uint256 amount, address indexed depositor,
 * bytes32 mintRecipient, uint32 destinationDomain, bytes32 destinationTokenMessenger, bytes32 destinationCaller)`.
 */
export const cctpDepositForBurn: Decoder = {
  name: 'cctp.deposit_for_burn',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'DepositForBurn');
    expectWords(log, 5, 'DepositForBurn');
    const domain = wordToSafeNumber(word(log, 2), 'destinationDomain');
    const token = tokenFields(ctx, topicAddress(log, 2));
    const here = DOMAIN_OF[ctx.chain.name];
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 3),
        to_address: bytes32ToAccount(word(log, 1)),
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: counterpartyName(CCTP_DOMAIN_NAMES, 'cctp', domain),
        bridge_ref: `${here ?? `chain${ctx.chain.chainId}`}:${topicUint(log, 1)}`,
        extra: { destination_domain: domain, ...unknownToken(token) },
      },
    ];
  },
};

/** `MintAndWithdraw(address indexed mintRecipient, uint256 amount, address indexed mintToken)`. */
export const cctpMintAndWithdraw: Decoder = {
  name: 'cctp.mint_and_withdraw',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 3, 'MintAndWithdraw');
    expectWords(log, 1, 'MintAndWithdraw');
    const token = tokenFields(ctx, topicAddress(log, 2));
    let ref = '';
    let counterparty = '';
    const args = callArgs(tx?.input, RECEIVE_MESSAGE);
    if (args) {
      const m = dynamicBytesAt(args, 0).slice(2);
      if (m.length >= 40) {
        const src = Number.parseInt(m.slice(8, 16), 16);
        ref = `${src}:${BigInt(`0x${m.slice(24, 40)}`)}`;
        counterparty = counterpartyName(CCTP_DOMAIN_NAMES, 'cctp', src);
      }
    }
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 1),
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: counterparty,
        bridge_ref: ref,
        extra: { message_found: ref !== '', ...unknownToken(token) },
      },
    ];
  },
};
