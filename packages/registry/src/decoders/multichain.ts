import {
  dynamicStringAt,
  expectTopics,
  expectWords,
  normalizeAccountText,
  topicAddress,
  topicBytes32,
  uintAt,
  word,
  wordToSafeNumber,
} from '../abi.ts';
import { counterpartyName, EVM_CHAIN_NAMES } from '../counterparty.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Multichain / Anyswap routers. V4–V6 (anyswap/anyswap-v1-core AnyswapV6Router.sol): the arrival's
// `txhash` is the departure's transaction hash → bridge_ref = that hash on both legs.
// V7 (anyswap/multichain-smart-contracts MultichainV7Router.sol): both legs carry `swapoutID`.
// `token` is the router's anyToken wrapper; its decimals equal the underlying's.

function chainName(id: string): string {
  return counterpartyName(EVM_CHAIN_NAMES, 'multichain', id);
}

/** V4–V6 `LogAnySwapOut(address indexed token, address indexed from, address indexed to, uint amount, uint fromChainID, uint toChainID)`. */
export const multichainSwapOut: Decoder = {
  name: 'multichain.swap_out',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'LogAnySwapOut');
    expectWords(log, 3, 'LogAnySwapOut');
    const token = tokenFields(ctx, topicAddress(log, 1));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 2),
        to_address: topicAddress(log, 3),
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: chainName(uintAt(log, 2)),
        bridge_ref: log.transactionHash.toLowerCase(),
        extra: { router_version: 'v4-v6', ...unknownToken(token) },
      },
    ];
  },
};

/** V6 `LogAnySwapOut(address indexed token, address indexed from, string to, uint amount, uint fromChainID, uint toChainID)` (non-EVM recipient). */
export const multichainSwapOutString: Decoder = {
  name: 'multichain.swap_out_string',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'LogAnySwapOut');
    expectWords(log, 4, 'LogAnySwapOut');
    const token = tokenFields(ctx, topicAddress(log, 1));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 2),
        to_address: normalizeAccountText(dynamicStringAt(log, 0)),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: chainName(uintAt(log, 3)),
        bridge_ref: log.transactionHash.toLowerCase(),
        extra: { router_version: 'v6', ...unknownToken(token) },
      },
    ];
  },
};

/** V4–V6 `LogAnySwapIn(bytes32 indexed txhash, address indexed token, address indexed to, uint amount, uint fromChainID, uint toChainID)`. */
export const multichainSwapIn: Decoder = {
  name: 'multichain.swap_in',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'LogAnySwapIn');
    expectWords(log, 3, 'LogAnySwapIn');
    const token = tokenFields(ctx, topicAddress(log, 2));
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 3),
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: chainName(uintAt(log, 1)),
        bridge_ref: topicBytes32(log, 1),
        extra: { router_version: 'v4-v6', ...unknownToken(token) },
      },
    ];
  },
};

/** V7 `LogAnySwapOut(bytes32 indexed swapoutID, address indexed token, address indexed from, string receiver, uint256 amount, uint256 toChainID)`. */
export const multichainV7SwapOut: Decoder = {
  name: 'multichain.v7_swap_out',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'LogAnySwapOut');
    expectWords(log, 3, 'LogAnySwapOut');
    const token = tokenFields(ctx, topicAddress(log, 2));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 3),
        to_address: normalizeAccountText(dynamicStringAt(log, 0)),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: chainName(uintAt(log, 2)),
        bridge_ref: topicBytes32(log, 1),
        extra: { router_version: 'v7', ...unknownToken(token) },
      },
    ];
  },
};

/** V7 `LogAnySwapIn(string swapID, bytes32 indexed swapoutID, address indexed token, address indexed receiver, uint256 amount, uint256 fromChainID)`. */
export const multichainV7SwapIn: Decoder = {
  name: 'multichain.v7_swap_in',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 4, 'LogAnySwapIn');
    expectWords(log, 3, 'LogAnySwapIn');
    const token = tokenFields(ctx, topicAddress(log, 2));
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: topicAddress(log, 3),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: chainName(uintAt(log, 2)),
        bridge_ref: topicBytes32(log, 1),
        extra: {
          router_version: 'v7',
          swap_id: dynamicStringAt(log, 0),
          from_chain_id: wordToSafeNumber(word(log, 2), 'fromChainID'),
          ...unknownToken(token),
        },
      },
    ];
  },
};
