import { DecodeError } from '@mixwatch/core';
import { expectTopics, expectWords, topicAddress, uintAt } from '../abi.ts';
import type { Decoder } from '../types.ts';

/** ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` of a stablecoin. */
export const erc20Transfer: Decoder = {
  name: 'erc20.transfer',
  needsTx: false,
  decode(ctx) {
    const { log, contract } = ctx;
    expectTopics(log, 3, 'Transfer');
    expectWords(log, 1, 'Transfer');
    const token = contract.token;
    if (!token) throw new DecodeError(`Transfer: ${contract.address} has no token metadata in the registry`);
    return [
      {
        action: 'transfer',
        from_address: topicAddress(log, 1),
        to_address: topicAddress(log, 2),
        token: token.address,
        token_symbol: token.symbol,
        amount: uintAt(log, 0),
        decimals: token.decimals,
      },
    ];
  },
};
