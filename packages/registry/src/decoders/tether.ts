import { DecodeError } from '@mixwatch/core';
import { addressAt, expectTopics, expectWords, topicAddress, uintAt } from '../abi.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

function tokenOf(ctx: DecodeContext): Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals'> {
  const t = ctx.contract.token;
  if (!t) throw new DecodeError(`${ctx.event.name}: ${ctx.contract.address} has no token metadata`);
  return { token: t.address, token_symbol: t.symbol, decimals: t.decimals };
}

// Issuer actions: `from_address` is the holder acted upon, `to_address` the token contract.

/** Legacy TetherToken `AddedBlackList(address _user)` — NOT indexed: the address is in data. */
export const tetherAddedBlackList: Decoder = {
  name: 'tether.added_blacklist',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'AddedBlackList');
    expectWords(ctx.log, 1, 'AddedBlackList');
    return [{ action: 'freeze', from_address: addressAt(ctx.log, 0), to_address: ctx.contract.address, amount: '0', ...tokenOf(ctx) }];
  },
};

/** Legacy TetherToken `RemovedBlackList(address _user)` — not indexed. */
export const tetherRemovedBlackList: Decoder = {
  name: 'tether.removed_blacklist',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'RemovedBlackList');
    expectWords(ctx.log, 1, 'RemovedBlackList');
    return [{ action: 'unfreeze', from_address: addressAt(ctx.log, 0), to_address: ctx.contract.address, amount: '0', ...tokenOf(ctx) }];
  },
};

/** Legacy TetherToken `DestroyedBlackFunds(address _blackListedUser, uint256 _balance)` — not indexed. */
export const tetherDestroyedBlackFunds: Decoder = {
  name: 'tether.destroyed_black_funds',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'DestroyedBlackFunds');
    expectWords(ctx.log, 2, 'DestroyedBlackFunds');
    return [
      {
        action: 'destroy',
        from_address: addressAt(ctx.log, 0),
        to_address: ctx.contract.address,
        amount: uintAt(ctx.log, 1),
        ...tokenOf(ctx),
      },
    ];
  },
};

/** TetherToken V2 `BlockPlaced(address indexed _user)`. */
export const tetherBlockPlaced: Decoder = {
  name: 'tether.block_placed',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 2, 'BlockPlaced');
    expectWords(ctx.log, 0, 'BlockPlaced');
    return [{ action: 'freeze', from_address: topicAddress(ctx.log, 1), to_address: ctx.contract.address, amount: '0', ...tokenOf(ctx) }];
  },
};

/** TetherToken V2 `BlockReleased(address indexed _user)`. */
export const tetherBlockReleased: Decoder = {
  name: 'tether.block_released',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 2, 'BlockReleased');
    expectWords(ctx.log, 0, 'BlockReleased');
    return [{ action: 'unfreeze', from_address: topicAddress(ctx.log, 1), to_address: ctx.contract.address, amount: '0', ...tokenOf(ctx) }];
  },
};

/** TetherToken V2 `DestroyedBlockedFunds(address indexed _blockedUser, uint256 _balance)`. */
export const tetherDestroyedBlockedFunds: Decoder = {
  name: 'tether.destroyed_blocked_funds',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 2, 'DestroyedBlockedFunds');
    expectWords(ctx.log, 1, 'DestroyedBlockedFunds');
    return [
      {
        action: 'destroy',
        from_address: topicAddress(ctx.log, 1),
        to_address: ctx.contract.address,
        amount: uintAt(ctx.log, 0),
        ...tokenOf(ctx),
      },
    ];
  },
};
