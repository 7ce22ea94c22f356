import { addressAt, bytes32At, expectTopics, expectWords, topicAddress, uintAt } from '../abi.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// Harmony "Horizon" (ethhmy-bridge) Ethereum-side managers (harmony-one/ethhmy-bridge
// contracts/eth/EthManager.sol, erc20/ERC20EthManager.sol, busd/BUSDEthManager.sol). The other
// side's mint/unlock names the lock/burn transaction hash as `receiptId`: bridge_ref of a lock is
// its own tx hash, of an unlock the Harmony burn tx hash. ETH is locked as token 0x00eeee…eeee.
// The June 2022 theft was a series of Unlocked events signed by the compromised multisig.

const ETH_ADDRESS = '0x00eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
const asToken = (a: string) => (a === ETH_ADDRESS ? 'native' : a);

/** `Locked(address indexed token, address indexed sender, uint256 amount, address recipient)`. */
export const harmonyLocked: Decoder = {
  name: 'harmony.locked',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'Locked');
    expectWords(log, 2, 'Locked');
    const token = tokenFields(ctx, asToken(topicAddress(log, 1)));
    return [
      {
        action: 'bridge_out',
        from_address: topicAddress(log, 2),
        to_address: addressAt(log, 1),
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: 'harmony',
        bridge_ref: log.transactionHash.toLowerCase(),
        extra: unknownToken(token),
      },
    ];
  },
};

/** ETH/ERC20 managers: `Unlocked(address ethToken, uint256 amount, address recipient, bytes32 receiptId)`. */
export const harmonyUnlocked: Decoder = {
  name: 'harmony.unlocked',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'Unlocked');
    expectWords(log, 4, 'Unlocked');
    const token = tokenFields(ctx, asToken(addressAt(log, 0)));
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: addressAt(log, 2),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: 'harmony',
        bridge_ref: bytes32At(log, 3),
        extra: unknownToken(token),
      },
    ];
  },
};

/** BUSD manager: `Unlocked(uint256 amount, address recipient)` — no receipt id: the arrival pairs by amount and time. */
export const harmonyUnlockedBusd: Decoder = {
  name: 'harmony.unlocked_busd',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'Unlocked');
    expectWords(log, 2, 'Unlocked');
    return [
      {
        action: 'bridge_in',
        from_address: ctx.contract.address,
        to_address: addressAt(log, 1),
        token: '',
        token_symbol: 'BUSD',
        amount: uintAt(log, 0),
        decimals: 18,
        counterparty_chain: 'harmony',
        bridge_ref: '',
        extra: { token_address_unknown: true },
      },
    ];
  },
};
