import { DecodeError } from '@mixwatch/core';
import { expectTopics, expectWords, topicAddress, uintAt } from '../abi.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Avalanche Bridge (AB), Ethereum side: not a contract but an EOA held by the SGX enclave. A deposit
// is a plain ERC-20 `Transfer(from, to = custody, value)` on the token's contract; AB mints the
// `.e` token to the same address on Avalanche. A release is a Transfer from the custody address.
// The registry entry lists the watched tokens (`watch.tokens`) and the custody address; the
// dispatch index routes the tokens' Transfer logs here, and the ingest filters them by
// topic1/topic2 = custody (ChainIndex.topicFilters). No shared id: pairing by amount and time.

/** ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` touching the AB custody address. */
export const avalancheBridgeTransfer: Decoder = {
  name: 'avalanche_bridge.transfer',
  needsTx: false,
  decode(ctx) {
    const { log, contract } = ctx;
    expectTopics(log, 3, 'Transfer');
    expectWords(log, 1, 'Transfer');
    const custody = contract.address;
    const from = topicAddress(log, 1);
    const to = topicAddress(log, 2);
    if (from !== custody && to !== custody) return [];
    if (from === to) throw new DecodeError('Transfer: custody address sends to itself');
    const token = tokenFields(ctx, log.address.toLowerCase());
    const out = to === custody;
    return [
      {
        service: contract.service,
        category: contract.category,
        action: out ? 'bridge_out' : 'bridge_in',
        // Same key on both chains: the Avalanche-side party is the Ethereum-side party.
        from_address: out ? from : custody,
        to_address: out ? from : to,
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: 'avalanche',
        bridge_ref: '',
        extra: { custody, ...unknownToken(token) },
      },
    ];
  },
};
