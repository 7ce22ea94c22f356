import { DecodeError } from '@mixwatch/core';
import { addressTopic, expectTopics, expectWords, topicAddress, uintAt } from '../abi.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Custody addresses watched through ERC-20 Transfer logs (registry entries with `watch`):
// - Avalanche Bridge (AB), Ethereum side: an EOA held by the SGX enclave; a deposit is a plain
//   `Transfer(from, to = custody, value)`; AB mints the `.e` token to the same address on Avalanche.
// - Orbit Bridge vaults: vault event ABI not collected; deposits/withdrawals are the vault's token
//   Transfers (destination address unknown → empty to_address).
// The dispatch index routes the listed tokens' Transfer logs here; the ingest fetches them with
// ChainIndex.topicFilters (topic1/topic2 = custody). No shared id: pairing by amount and time.

const paddedTopics = new Map<string, string>();
/** {@link addressTopic}, cached: this runs for every Transfer of a watched token. */
function paddedTopic(address: string): string {
  let t = paddedTopics.get(address);
  if (t === undefined) {
    t = addressTopic(address);
    paddedTopics.set(address, t);
  }
  return t;
}

/** ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` touching a watched custody address. */
export const custodyTransfer: Decoder = {
  name: 'custody.transfer',
  needsTx: false,
  decode(ctx) {
    const { log, contract } = ctx;
    expectTopics(log, 3, 'Transfer');
    expectWords(log, 1, 'Transfer');
    const w = contract.watch;
    if (!w) throw new DecodeError(`Transfer: ${contract.label} is not a watched custody address`);
    const custody = contract.address;
    // Most Transfers of a watched token do not touch the custody address (USDT on Ethereum is
    // both a watched token and a route of its own): compare the padded topics before decoding.
    const padded = paddedTopic(custody);
    if (log.topics[1] !== padded && log.topics[2] !== padded) return [];
    const from = topicAddress(log, 1);
    const to = topicAddress(log, 2);
    if (from === to) return []; // a self-transfer moves nothing across the bridge
    const token = tokenFields(ctx, log.address.toLowerCase());
    const out = to === custody;
    return [
      {
        service: contract.service,
        category: contract.category,
        action: out ? 'bridge_out' : 'bridge_in',
        from_address: out ? from : custody,
        // sameAddress: the other side credits the sender's own address (same key on both chains).
        to_address: out ? (w.sameAddress ? from : '') : to,
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: w.counterparty,
        bridge_ref: '',
        extra: { custody, ...unknownToken(token) },
      },
    ];
  },
};
