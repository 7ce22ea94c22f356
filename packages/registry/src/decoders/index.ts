import type { Decoder } from '../types.ts';
import { erc20Transfer } from './erc20.ts';
import {
  tetherAddedBlackList,
  tetherBlockPlaced,
  tetherBlockReleased,
  tetherDestroyedBlackFunds,
  tetherDestroyedBlockedFunds,
  tetherRemovedBlackList,
} from './tether.ts';
import { tornadoDeposit, tornadoWithdrawal } from './tornado.ts';

/** Every decoder by name; registry events point here with `decoder`. */
export const DECODERS: Readonly<Record<string, Decoder>> = Object.fromEntries(
  [
    tornadoDeposit,
    tornadoWithdrawal,
    erc20Transfer,
    tetherAddedBlackList,
    tetherRemovedBlackList,
    tetherDestroyedBlackFunds,
    tetherBlockPlaced,
    tetherBlockReleased,
    tetherDestroyedBlockedFunds,
  ].map((d) => [d.name, d]),
);
