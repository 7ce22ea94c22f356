import type { Decoder } from '../types.ts';
import { acrossFilledRelay, acrossFilledV3Relay, acrossFundsDeposited, acrossV3FundsDeposited } from './across.ts';
import { allbridgeTokensReceived, allbridgeTokensSent } from './allbridge.ts';
import { axelarContractCallApprovedWithMint, axelarContractCallWithToken, axelarTokenSent } from './axelar.ts';
import { cbridgeRelay, cbridgeSend } from './cbridge.ts';
import { cctpDepositForBurn, cctpMintAndWithdraw } from './cctp.ts';
import { custodyTransfer } from './custody.ts';
import { debridgeClaimed, debridgeSent } from './debridge.ts';
import { erc20Transfer } from './erc20.ts';
import { harmonyLocked, harmonyUnlocked, harmonyUnlockedBusd } from './harmony.ts';
import { hopTransferFromL1Completed, hopTransferSent, hopTransferSentToL2, hopWithdrawalBonded, hopWithdrew } from './hop.ts';
import { multichainSwapIn, multichainSwapOut, multichainSwapOutString, multichainV7SwapIn, multichainV7SwapOut } from './multichain.ts';
import {
  railgunCommitmentBatch,
  railgunGeneratedCommitmentBatch,
  railgunNullified,
  railgunNullifiers,
  railgunShield,
  railgunShieldLegacy,
  railgunTransact,
  railgunUnshield,
} from './railgun.ts';
import { roninDepositRequested, roninV1TokenDeposited, roninV1TokenWithdrew, roninWithdrew } from './ronin.ts';
import { stargateV1Swap, stargateV1SwapRemote, stargateV2OftReceived, stargateV2OftSent } from './stargate.ts';
import {
  synapseBridgeRelayed,
  synapseBridgeRequested,
  synapseCircleRequestFulfilled,
  synapseCircleRequestSent,
  synapseTokenDeposit,
  synapseTokenDepositAndSwap,
  synapseTokenMint,
  synapseTokenMintAndSwap,
  synapseTokenRedeem,
  synapseTokenRedeemAndRemove,
  synapseTokenRedeemAndSwap,
  synapseTokenRedeemV2,
  synapseTokenWithdraw,
  synapseTokenWithdrawAndRemove,
} from './synapse.ts';
import {
  tetherAddedBlackList,
  tetherBlockPlaced,
  tetherBlockReleased,
  tetherDestroyedBlackFunds,
  tetherDestroyedBlockedFunds,
  tetherRemovedBlackList,
} from './tether.ts';
import { thorchainDeposit, thorchainTransferOut, thorchainTransferOutAndCall } from './thorchain.ts';
import { tornadoDeposit, tornadoWithdrawal } from './tornado.ts';
import { wormholeLogMessagePublished, wormholeTransferRedeemed } from './wormhole.ts';

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
    railgunShield,
    railgunShieldLegacy,
    railgunGeneratedCommitmentBatch,
    railgunUnshield,
    railgunTransact,
    railgunCommitmentBatch,
    railgunNullified,
    railgunNullifiers,
    wormholeLogMessagePublished,
    wormholeTransferRedeemed,
    stargateV1Swap,
    stargateV1SwapRemote,
    stargateV2OftSent,
    stargateV2OftReceived,
    acrossV3FundsDeposited,
    acrossFundsDeposited,
    acrossFilledV3Relay,
    acrossFilledRelay,
    synapseTokenDeposit,
    synapseTokenRedeem,
    synapseTokenRedeemV2,
    synapseTokenDepositAndSwap,
    synapseTokenRedeemAndSwap,
    synapseTokenRedeemAndRemove,
    synapseTokenWithdraw,
    synapseTokenMint,
    synapseTokenMintAndSwap,
    synapseTokenWithdrawAndRemove,
    synapseCircleRequestSent,
    synapseCircleRequestFulfilled,
    cbridgeSend,
    cbridgeRelay,
    multichainSwapOut,
    multichainSwapOutString,
    multichainSwapIn,
    multichainV7SwapOut,
    multichainV7SwapIn,
    thorchainDeposit,
    thorchainTransferOut,
    thorchainTransferOutAndCall,
    cctpDepositForBurn,
    cctpMintAndWithdraw,
    debridgeSent,
    debridgeClaimed,
    hopTransferSentToL2,
    hopTransferSent,
    hopWithdrawalBonded,
    hopWithdrew,
    hopTransferFromL1Completed,
    axelarContractCallWithToken,
    axelarTokenSent,
    axelarContractCallApprovedWithMint,
    allbridgeTokensSent,
    allbridgeTokensReceived,
    roninV1TokenDeposited,
    roninV1TokenWithdrew,
    roninDepositRequested,
    roninWithdrew,
    custodyTransfer,
    harmonyLocked,
    harmonyUnlocked,
    harmonyUnlockedBusd,
    synapseBridgeRequested,
    synapseBridgeRelayed,
  ].map((d) => [d.name, d]),
);
