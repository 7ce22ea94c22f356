import { DecodeError } from '@mixwatch/core';
import { addressAt, bytes32At, expectTopics, expectWords, topicAddress, topicUint, uintAt, word, wordToSafeNumber } from '../abi.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

// Ronin Bridge, Ethereum side. v1 MainchainGatewayManager (ABI in AndreAugusto11/XChainWatcher
// utils/ABIs/ethereum/RONIN-BRIDGE-CONTRACT-ABI.json): deposit and withdrawal ids are the bridge's
// own counters, shared with the Ronin side → bridge_ref `ronin-v1:deposit:<id>` / `ronin-v1:withdrawal:<id>`.
// v2 MainchainGateway: events carry a Transfer.Receipt, a static tuple of 11 words:
// (uint256 id, uint8 kind, (address addr, address tokenAddr, uint256 chainId) mainchain,
//  (address addr, address tokenAddr, uint256 chainId) ronin, (uint8 erc, uint256 id, uint256 quantity) info).

// v1 `_standard` holds the ERC number (20 / 721); v2 `info.erc` is an enum (0 = ERC20, 1 = ERC721).
const V1_STANDARDS: Record<number, string> = { 20: 'erc20', 721: 'erc721' };
const STANDARDS = ['erc20', 'erc721'];

/** v1 `TokenDeposited(uint256 indexed _depositId, address indexed _owner, address indexed _tokenAddress, address _sidechainAddress, uint32 _standard, uint256 _tokenNumber)`. */
export const roninV1TokenDeposited: Decoder = {
  name: 'ronin.v1_token_deposited',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'TokenDeposited');
    expectWords(log, 3, 'TokenDeposited');
    const owner = topicAddress(log, 2);
    const token = tokenFields(ctx, topicAddress(log, 3));
    const standard = wordToSafeNumber(word(log, 1), '_standard');
    return [
      {
        action: 'bridge_out',
        from_address: owner,
        to_address: owner,
        ...token,
        amount: uintAt(log, 2),
        counterparty_chain: 'ronin',
        bridge_ref: `ronin-v1:deposit:${topicUint(log, 1)}`,
        extra: { ronin_token: addressAt(log, 0), standard: V1_STANDARDS[standard] ?? standard, ...unknownToken(token) },
      },
    ];
  },
};

/** v1 `TokenWithdrew(uint256 indexed _withdrawId, address indexed _owner, address indexed _tokenAddress, uint256 _tokenNumber)`. */
export const roninV1TokenWithdrew: Decoder = {
  name: 'ronin.v1_token_withdrew',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'TokenWithdrew');
    expectWords(log, 1, 'TokenWithdrew');
    const owner = topicAddress(log, 2);
    const token = tokenFields(ctx, topicAddress(log, 3));
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: owner,
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: 'ronin',
        bridge_ref: `ronin-v1:withdrawal:${topicUint(log, 1)}`,
        extra: unknownToken(token),
      },
    ];
  },
};

function receipt(ctx: DecodeContext, name: string, direction: 'deposit' | 'withdrawal'): FlowDraft[] {
  const { log } = ctx;
  expectTopics(log, 1, name);
  expectWords(log, 12, name);
  // word 0 = receiptHash; the Receipt tuple is inline in words 1..11.
  const id = uintAt(log, 1);
  const main = addressAt(log, 3);
  const ronin = addressAt(log, 6);
  const erc = wordToSafeNumber(word(log, 9), 'info.erc');
  if (erc > 1) throw new DecodeError(`${name}: unknown token standard ${erc}`);
  const token = tokenFields(ctx, addressAt(log, 4));
  return [
    {
      action: direction === 'deposit' ? 'bridge_out' : 'bridge_in',
      from_address: direction === 'deposit' ? main : ronin,
      to_address: direction === 'deposit' ? ronin : main,
      ...token,
      amount: erc === 0 ? uintAt(log, 11) : '1',
      counterparty_chain: 'ronin',
      bridge_ref: `ronin:${direction}:${id}`,
      extra: {
        receipt_hash: bytes32At(log, 0),
        ronin_token: addressAt(log, 7),
        standard: STANDARDS[erc],
        ...(erc === 1 ? { token_id: uintAt(log, 10) } : {}),
        ...unknownToken(token),
      },
    },
  ];
}

/** v2 `DepositRequested(bytes32 receiptHash, Transfer.Receipt receipt)`. */
export const roninDepositRequested: Decoder = {
  name: 'ronin.deposit_requested',
  needsTx: false,
  decode: (ctx) => receipt(ctx, 'DepositRequested', 'deposit'),
};

/** v2 `Withdrew(bytes32 receiptHash, Transfer.Receipt receipt)`. */
export const roninWithdrew: Decoder = {
  name: 'ronin.withdrew',
  needsTx: false,
  decode: (ctx) => receipt(ctx, 'Withdrew', 'withdrawal'),
};
