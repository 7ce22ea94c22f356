import { DecodeError } from '@mixwatch/core';
import {
  addressAt,
  arrayAt,
  bytes32At,
  expectTopics,
  expectWords,
  uintAt,
  word,
  wordToBytes32,
  wordToSafeNumber,
  wordToUint,
} from '../abi.ts';
import { tokenFields } from '../tokens.ts';
import type { DecodeContext, Decoder, FlowDraft, RawLog } from '../types.ts';

// Railgun RailgunSmartWallet events (Railgun-Community/engine src/abi/V2.1/RailgunSmartWallet.json and
// V2/RailgunSmartWallet_Legacy_PreMar23.json). Commitments are arrays: one flow per element, in
// array order (the ingest numbers them sub_index 0..n-1); the tree position is in extra.
// TokenData = (uint8 tokenType, address tokenAddress, uint256 tokenSubID): 0 ERC20, 1 ERC721, 2 ERC1155.

const TOKEN_TYPES = ['erc20', 'erc721', 'erc1155'];

function tokenData(
  ctx: DecodeContext,
  log: RawLog,
  at: number,
): { fields: ReturnType<typeof tokenFields>; extra: Record<string, unknown> } {
  const type = wordToSafeNumber(word(log, at), 'tokenType');
  const kind = TOKEN_TYPES[type];
  if (!kind) throw new DecodeError(`railgun: unknown tokenType ${type}`);
  const fields = tokenFields(ctx, addressAt(log, at + 1));
  const extra: Record<string, unknown> = { token_type: kind };
  if (fields.token_symbol === '') extra.decimals_unknown = true;
  if (type !== 0) extra.token_sub_id = uintAt(log, at + 2);
  return { fields, extra };
}

function treeHead(log: RawLog): { tree: number; start: number } {
  return { tree: wordToSafeNumber(word(log, 0), 'treeNumber'), start: wordToSafeNumber(word(log, 1), 'startPosition') };
}

/**
 * Shield commitments (`(bytes32 npk, TokenData token, uint120 value)`, 5 words each, inline).
 * `withFees`: the V2.1 event adds `uint256[] fees` (one per commitment): the shielder paid
 * value + fee, so `amount` is that sum and the split is in extra.
 */
function shieldFlows(ctx: DecodeContext, name: string, feesHead: number | null): FlowDraft[] {
  const { log, tx } = ctx;
  if (!tx) throw new DecodeError(`${name}: transaction not provided`);
  const { tree, start } = treeHead(log);
  const c = arrayAt(log, 2, 0, 5);
  const fees = feesHead === null ? null : arrayAt(log, feesHead, 0, 1);
  if (fees && fees.length !== c.length) throw new DecodeError(`${name}: ${c.length} commitments but ${fees.length} fees`);
  const out: FlowDraft[] = [];
  for (let i = 0; i < c.length; i++) {
    const at = c.first + i * 5;
    const { fields, extra } = tokenData(ctx, log, at + 1);
    const valueWord = word(log, at + 4);
    const feeWord = fees ? word(log, fees.first + i) : undefined;
    const value = wordToUint(valueWord);
    // BigInt only when there is a fee to add (uint120 values can exceed 2^53).
    const amount = feeWord === undefined ? value : (BigInt(`0x${valueWord}`) + BigInt(`0x${feeWord}`)).toString();
    extra.tree = tree;
    extra.position = start + i;
    extra.npk = bytes32At(log, at);
    extra.shielded_value = value;
    if (feeWord !== undefined) extra.fee = wordToUint(feeWord);
    out.push({
      action: 'shield',
      from_address: tx.from,
      to_address: ctx.contract.address,
      token: fields.token,
      token_symbol: fields.token_symbol,
      decimals: fields.decimals,
      amount,
      extra,
    });
  }
  return out;
}

/** `Shield(uint256 treeNumber, uint256 startPosition, CommitmentPreimage[] commitments, ShieldCiphertext[] shieldCiphertext, uint256[] fees)` (V2.1, Mar 2023+). */
export const railgunShield: Decoder = {
  name: 'railgun.shield',
  needsTx: true,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'Shield');
    expectWords(ctx.log, 5, 'Shield');
    return shieldFlows(ctx, 'Shield', 4);
  },
};

/** Legacy `Shield(uint256,uint256,CommitmentPreimage[],ShieldCiphertext[])` (Nov 2022 – Mar 2023, no fees array). */
export const railgunShieldLegacy: Decoder = {
  name: 'railgun.shield_legacy',
  needsTx: true,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'Shield');
    expectWords(ctx.log, 4, 'Shield');
    return shieldFlows(ctx, 'Shield', null);
  },
};

/**
 * Pre-Nov-2022 `GeneratedCommitmentBatch(uint256 treeNumber, uint256 startPosition,
 * (uint256 npk, TokenData token, uint120 value)[] commitments, uint256[2][] encryptedRandom)`:
 * the legacy deposit (shield) event; same 5-word commitment layout, no fee.
 */
export const railgunGeneratedCommitmentBatch: Decoder = {
  name: 'railgun.generated_commitment_batch',
  needsTx: true,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'GeneratedCommitmentBatch');
    expectWords(ctx.log, 4, 'GeneratedCommitmentBatch');
    return shieldFlows(ctx, 'GeneratedCommitmentBatch', null);
  },
};

/**
 * `Unshield(address to, TokenData token, uint256 amount, uint256 fee)`: `amount` is what `to`
 * receives; the protocol fee went to the treasury and is in extra.
 */
export const railgunUnshield: Decoder = {
  name: 'railgun.unshield',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 1, 'Unshield');
    expectWords(log, 6, 'Unshield');
    const { fields, extra } = tokenData(ctx, log, 1);
    return [
      {
        action: 'unshield',
        from_address: ctx.contract.address,
        to_address: addressAt(log, 0),
        ...fields,
        amount: uintAt(log, 4),
        extra: { ...extra, fee: uintAt(log, 5) },
      },
    ];
  },
};

/** One `transact` flow per element of a commitment-hash or nullifier array: value and token are hidden. */
function hiddenFlows(
  ctx: DecodeContext,
  arrayHead: number,
  key: 'commitment' | 'nullifier',
  tree: number,
  start: number | null,
): FlowDraft[] {
  const a = arrayAt(ctx.log, arrayHead, 0, 1);
  const out: FlowDraft[] = [];
  for (let i = 0; i < a.length; i++) {
    out.push({
      action: 'transact',
      from_address: ctx.contract.address,
      to_address: ctx.contract.address,
      token: '',
      token_symbol: '',
      amount: '0',
      decimals: 0,
      extra: { [key]: wordToBytes32(word(ctx.log, a.first + i)), tree, ...(start === null ? {} : { position: start + i }) },
    });
  }
  return out;
}

/** `Transact(uint256 treeNumber, uint256 startPosition, bytes32[] hash, CommitmentCiphertext[] ciphertext)`: one flow per new commitment. */
export const railgunTransact: Decoder = {
  name: 'railgun.transact',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'Transact');
    expectWords(ctx.log, 4, 'Transact');
    const { tree, start } = treeHead(ctx.log);
    return hiddenFlows(ctx, 2, 'commitment', tree, start);
  },
};

/** Pre-Nov-2022 `CommitmentBatch(uint256 treeNumber, uint256 startPosition, uint256[] hash, CommitmentCiphertext[] ciphertext)`. */
export const railgunCommitmentBatch: Decoder = {
  name: 'railgun.commitment_batch',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'CommitmentBatch');
    expectWords(ctx.log, 4, 'CommitmentBatch');
    const { tree, start } = treeHead(ctx.log);
    return hiddenFlows(ctx, 2, 'commitment', tree, start);
  },
};

/** `Nullified(uint16 treeNumber, bytes32[] nullifier)`: one flow per spent note. */
export const railgunNullified: Decoder = {
  name: 'railgun.nullified',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'Nullified');
    expectWords(ctx.log, 2, 'Nullified');
    return hiddenFlows(ctx, 1, 'nullifier', wordToSafeNumber(word(ctx.log, 0), 'treeNumber'), null);
  },
};

/** Pre-Nov-2022 `Nullifiers(uint256 treeNumber, uint256[] nullifier)`. */
export const railgunNullifiers: Decoder = {
  name: 'railgun.nullifiers',
  needsTx: false,
  decode(ctx) {
    expectTopics(ctx.log, 1, 'Nullifiers');
    expectWords(ctx.log, 2, 'Nullifiers');
    return hiddenFlows(ctx, 1, 'nullifier', wordToSafeNumber(word(ctx.log, 0), 'treeNumber'), null);
  },
};
