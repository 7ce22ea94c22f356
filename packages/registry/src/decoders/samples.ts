// One documented sample per decoder: the event ABI (names + `indexed`, from the sources cited in
// each decoder), argument values, the transaction sender/value, and the exact expected flow
// fields. Used by the decoder unit tests (samples.test.ts) and by the coverage e2e test, which
// emits the same logs at every real registry address on anvil.
import type { ContractEntry, FlowDraft } from '../types.ts';

/** Parties used by every sample. */
export const P = {
  user: '0x1111111111111111111111111111111111111111',
  recipient: '0x2222222222222222222222222222222222222222',
  vault: '0x3333333333333333333333333333333333333333',
  relayer: '0x4444444444444444444444444444444444444444',
  token: '0x5555555555555555555555555555555555555555',
} as const;

/** An address (or short hex) left-padded to 32 bytes. */
const b32 = (a: string) => `0x${a.slice(2).padStart(64, '0')}` as `0x${string}`;
/** A 32-byte id used for every sample hash/guid/transferId. */
const ID = `0x${'9e'.repeat(32)}` as `0x${string}`;
/** An amount above 2^64, so no decoder can pass by squeezing it through a JS number. */
const AMOUNT = 123_456_789_012_345_678_901n;

/** Where the log lands: enough to compute refs that depend on it. */
export interface SampleSite {
  contract: ContractEntry;
  txHash: string;
  logIndex: number;
}

/** One sample. */
export interface Sample {
  abi: string;
  args: (c: ContractEntry) => Record<string, unknown>;
  /** Sender and value of the emitting transaction. */
  from: string;
  value?: bigint;
  /** Exact expected fields of each flow (only the listed keys are compared). */
  expect: (s: SampleSite) => Array<Partial<FlowDraft>>;
}

/** The single asset of a pool/bridge entry (`''` when the registry names it by symbol only). */
const tok = (c: ContractEntry) => (c.token ? c.token.address : '');

/** Samples by decoder name. */
export const SAMPLES: Record<string, Sample> = {
  'tornado.deposit': {
    abi: 'event Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp)',
    args: () => ({ commitment: ID, leafIndex: 42, timestamp: 1_650_000_000n }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'deposit',
        from_address: P.user,
        to_address: c.address,
        amount: c.denomination?.raw,
        token: c.denomination?.token === 'native' ? 'native' : c.denomination?.token.address,
      },
    ],
  },
  'tornado.withdrawal': {
    abi: 'event Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee)',
    args: () => ({ to: P.recipient, nullifierHash: ID, relayer: P.relayer, fee: 1000n }),
    from: P.relayer,
    expect: ({ contract: c }) => [{ action: 'withdrawal', from_address: c.address, to_address: P.recipient, amount: c.denomination?.raw }],
  },
  'erc20.transfer': {
    abi: 'event Transfer(address indexed from, address indexed to, uint256 value)',
    args: () => ({ from: P.user, to: P.recipient, value: AMOUNT }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'transfer',
        from_address: P.user,
        to_address: P.recipient,
        amount: AMOUNT.toString(),
        token: c.address,
        decimals: c.token?.decimals,
      },
    ],
  },
  'tether.added_blacklist': {
    abi: 'event AddedBlackList(address _user)',
    args: () => ({ _user: P.user }),
    from: P.vault,
    expect: ({ contract: c }) => [{ action: 'freeze', from_address: P.user, to_address: c.address, amount: '0' }],
  },
  'tether.removed_blacklist': {
    abi: 'event RemovedBlackList(address _user)',
    args: () => ({ _user: P.user }),
    from: P.vault,
    expect: ({ contract: c }) => [{ action: 'unfreeze', from_address: P.user, to_address: c.address, amount: '0' }],
  },
  'tether.destroyed_black_funds': {
    abi: 'event DestroyedBlackFunds(address _blackListedUser, uint256 _balance)',
    args: () => ({ _blackListedUser: P.user, _balance: AMOUNT }),
    from: P.vault,
    expect: ({ contract: c }) => [{ action: 'destroy', from_address: P.user, to_address: c.address, amount: AMOUNT.toString() }],
  },
  'tether.block_placed': {
    abi: 'event BlockPlaced(address indexed _user)',
    args: () => ({ _user: P.user }),
    from: P.vault,
    expect: ({ contract: c }) => [{ action: 'freeze', from_address: P.user, to_address: c.address }],
  },
  'tether.block_released': {
    abi: 'event BlockReleased(address indexed _user)',
    args: () => ({ _user: P.user }),
    from: P.vault,
    expect: ({ contract: c }) => [{ action: 'unfreeze', from_address: P.user, to_address: c.address }],
  },
  'tether.destroyed_blocked_funds': {
    abi: 'event DestroyedBlockedFunds(address indexed _blockedUser, uint256 _balance)',
    args: () => ({ _blockedUser: P.user, _balance: AMOUNT }),
    from: P.vault,
    expect: ({ contract: c }) => [{ action: 'destroy', from_address: P.user, to_address: c.address, amount: AMOUNT.toString() }],
  },
  'railgun.shield': {
    abi: 'event Shield(uint256 treeNumber, uint256 startPosition, (bytes32 npk, (uint8 tokenType, address tokenAddress, uint256 tokenSubID) token, uint120 value)[] commitments, (bytes32[3] encryptedBundle, bytes32 shieldKey)[] shieldCiphertext, uint256[] fees)',
    args: () => ({
      treeNumber: 1n,
      startPosition: 100n,
      commitments: [
        { npk: ID, token: { tokenType: 0, tokenAddress: P.token, tokenSubID: 0n }, value: 997_500n },
        { npk: ID, token: { tokenType: 0, tokenAddress: P.token, tokenSubID: 0n }, value: 1_995_000n },
      ],
      shieldCiphertext: [
        { encryptedBundle: [ID, ID, ID], shieldKey: ID },
        { encryptedBundle: [ID, ID, ID], shieldKey: ID },
      ],
      fees: [2_500n, 5_000n],
    }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'shield',
        from_address: P.user,
        to_address: c.address,
        token: P.token,
        amount: '1000000',
        extra: { token_type: 'erc20', decimals_unknown: true, tree: 1, position: 100, npk: ID, shielded_value: '997500', fee: '2500' },
      },
      { action: 'shield', from_address: P.user, to_address: c.address, token: P.token, amount: '2000000' },
    ],
  },
  'railgun.shield_legacy': {
    abi: 'event Shield(uint256 treeNumber, uint256 startPosition, (bytes32 npk, (uint8 tokenType, address tokenAddress, uint256 tokenSubID) token, uint120 value)[] commitments, (bytes32[3] encryptedBundle, bytes32 shieldKey)[] shieldCiphertext)',
    args: () => ({
      treeNumber: 0n,
      startPosition: 7n,
      commitments: [{ npk: ID, token: { tokenType: 0, tokenAddress: P.token, tokenSubID: 0n }, value: 5_000n }],
      shieldCiphertext: [{ encryptedBundle: [ID, ID, ID], shieldKey: ID }],
    }),
    from: P.user,
    expect: ({ contract: c }) => [{ action: 'shield', from_address: P.user, to_address: c.address, token: P.token, amount: '5000' }],
  },
  'railgun.generated_commitment_batch': {
    abi: 'event GeneratedCommitmentBatch(uint256 treeNumber, uint256 startPosition, (uint256 npk, (uint8 tokenType, address tokenAddress, uint256 tokenSubID) token, uint120 value)[] commitments, uint256[2][] encryptedRandom)',
    args: () => ({
      treeNumber: 0n,
      startPosition: 3n,
      commitments: [{ npk: 9n, token: { tokenType: 0, tokenAddress: P.token, tokenSubID: 0n }, value: 77n }],
      encryptedRandom: [[1n, 2n]],
    }),
    from: P.user,
    expect: ({ contract: c }) => [{ action: 'shield', from_address: P.user, to_address: c.address, token: P.token, amount: '77' }],
  },
  'railgun.unshield': {
    abi: 'event Unshield(address to, (uint8 tokenType, address tokenAddress, uint256 tokenSubID) token, uint256 amount, uint256 fee)',
    args: () => ({ to: P.recipient, token: { tokenType: 0, tokenAddress: P.token, tokenSubID: 0n }, amount: AMOUNT, fee: 25n }),
    from: P.relayer,
    expect: ({ contract: c }) => [
      { action: 'unshield', from_address: c.address, to_address: P.recipient, token: P.token, amount: AMOUNT.toString() },
    ],
  },
  'railgun.transact': {
    abi: 'event Transact(uint256 treeNumber, uint256 startPosition, bytes32[] hash, (bytes32[4] ciphertext, bytes32 blindedSenderViewingKey, bytes32 blindedReceiverViewingKey, bytes annotationData, bytes memo)[] ciphertext)',
    args: () => ({
      treeNumber: 2n,
      startPosition: 10n,
      hash: [ID, b32(P.token)],
      ciphertext: [
        { ciphertext: [ID, ID, ID, ID], blindedSenderViewingKey: ID, blindedReceiverViewingKey: ID, annotationData: '0x01', memo: '0x' },
        { ciphertext: [ID, ID, ID, ID], blindedSenderViewingKey: ID, blindedReceiverViewingKey: ID, annotationData: '0x', memo: '0x0203' },
      ],
    }),
    from: P.relayer,
    expect: () => [
      { action: 'transact', amount: '0', extra: { commitment: ID, tree: 2, position: 10 } },
      { action: 'transact', amount: '0', extra: { commitment: b32(P.token), tree: 2, position: 11 } },
    ],
  },
  'railgun.commitment_batch': {
    abi: 'event CommitmentBatch(uint256 treeNumber, uint256 startPosition, uint256[] hash, (uint256[4] ciphertext, uint256[2] ephemeralKeys, uint256[] memo)[] ciphertext)',
    args: () => ({
      treeNumber: 0n,
      startPosition: 5n,
      hash: [11n],
      ciphertext: [{ ciphertext: [1n, 2n, 3n, 4n], ephemeralKeys: [5n, 6n], memo: [] }],
    }),
    from: P.relayer,
    expect: () => [{ action: 'transact', amount: '0', extra: { commitment: b32('0x0b'), tree: 0, position: 5 } }],
  },
  'railgun.nullified': {
    abi: 'event Nullified(uint16 treeNumber, bytes32[] nullifier)',
    args: () => ({ treeNumber: 1, nullifier: [ID, ID, ID] }),
    from: P.relayer,
    expect: () => [0, 1, 2].map(() => ({ action: 'transact' as const, extra: { nullifier: ID, tree: 1 } })),
  },
  'railgun.nullifiers': {
    abi: 'event Nullifiers(uint256 treeNumber, uint256[] nullifier)',
    args: () => ({ treeNumber: 0n, nullifier: [255n] }),
    from: P.relayer,
    expect: () => [{ action: 'transact', extra: { nullifier: b32('0xff'), tree: 0 } }],
  },
};
export { AMOUNT, b32, ID, tok };
