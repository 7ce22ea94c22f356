import { DecodeError } from '@mixwatch/core';
import { addressAt, dynamicStringAt, expectTopics, expectWords, normalizeAccountText, topicAddress, uintAt } from '../abi.ts';
import { THORCHAIN_CHAIN_NAMES, THORCHAIN_SHORT_ASSETS } from '../counterparty.ts';
import { tokenFields, unknownToken } from '../tokens.ts';
import type { Decoder } from '../types.ts';

// THORChain routers (thornode build/scripts/evm/eth-router-abi.json). An inbound `Deposit` names the
// vault and asset; where the value goes is in the memo (dev.thorchain.org "Memos"):
//   SWAP:ASSET:DESTADDR[:LIMIT/…]  — aliases `s` and `=`; ASSET `CHAIN.SYMBOL[-CONTRACT]` or a short code (`b` = BTC.BTC)
//   ADD/`a`/`+`: add liquidity, WITHDRAW/`wd`/`-`: withdraw, LOAN+… — value stays on THORChain.
// An outbound `TransferOut` memo is `OUT:<inbound tx hash>` or `REFUND:<inbound tx hash>`: the hash
// pairs it with the inbound; bridge_ref of both legs is that hash as 0x + lowercase hex.

/** What a THORChain memo says about the destination. */
export interface ThorMemo {
  kind: 'swap' | 'add' | 'withdraw' | 'out' | 'refund' | 'other';
  /** Destination asset, e.g. `BTC.BTC` (swaps). */
  asset?: string;
  /** Our chain name for the asset's chain (`bitcoin`), `thorchain` for synths/trade assets/liquidity. */
  chain?: string;
  /** Destination address (swaps). */
  address?: string;
  /** Inbound tx hash (OUT/REFUND), 0x + lowercase. */
  inboundHash?: string;
}

function assetChain(asset: string): string {
  // Synthetic (BTC/BTC), trade (BTC~BTC) and secured (BTC-BTC) assets live on THORChain itself.
  if (asset.includes('/') || asset.includes('~')) return 'thorchain';
  const prefix = asset.split('.')[0]?.toUpperCase() ?? '';
  return THORCHAIN_CHAIN_NAMES[prefix] ?? `thorchain:${prefix.toLowerCase()}`;
}

/** Parses a THORChain memo. Never throws: unknown memos come back as `{ kind: 'other' }`. */
export function parseThorMemo(memo: string): ThorMemo {
  const parts = memo.trim().split(':');
  const op = (parts[0] ?? '').toUpperCase();
  if (op === 'SWAP' || op === 'S' || op === '=') {
    const raw = parts[1] ?? '';
    const asset = THORCHAIN_SHORT_ASSETS[raw] ?? THORCHAIN_SHORT_ASSETS[raw.toLowerCase()] ?? raw.toUpperCase();
    const address = parts[2] ?? '';
    const out: ThorMemo = { kind: 'swap', asset, chain: assetChain(asset) };
    if (address) out.address = normalizeAccountText(address);
    return out;
  }
  if (op === 'OUT' || op === 'REFUND') {
    const h = parts[1] ?? '';
    const hash = /^(0x)?[0-9a-fA-F]{64}$/.test(h) ? `0x${h.replace(/^0x/, '').toLowerCase()}` : undefined;
    return { kind: op === 'OUT' ? 'out' : 'refund', ...(hash ? { inboundHash: hash } : {}) };
  }
  if (op === 'ADD' || op === 'A' || op === '+') return { kind: 'add', chain: 'thorchain' };
  if (op === 'WITHDRAW' || op === 'WD' || op === '-') return { kind: 'withdraw', chain: 'thorchain' };
  return { kind: 'other' };
}

/**
 * `Deposit(address indexed to, address indexed asset, uint amount, string memo)`: `to` is the vault,
 * the depositor is `tx.from`. Swaps become `bridge_out` to the memo's chain and address.
 */
export const thorchainDeposit: Decoder = {
  name: 'thorchain.deposit',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 3, 'Deposit');
    expectWords(log, 2, 'Deposit');
    if (!tx) throw new DecodeError('Deposit: transaction not provided');
    const memo = dynamicStringAt(log, 1);
    const m = parseThorMemo(memo);
    const token = tokenFields(ctx, topicAddress(log, 2));
    return [
      {
        action: 'bridge_out',
        from_address: tx.from,
        to_address: m.address ?? '',
        ...token,
        amount: uintAt(log, 0),
        counterparty_chain: m.chain ?? 'thorchain',
        bridge_ref: log.transactionHash.toLowerCase(),
        extra: {
          vault: topicAddress(log, 1),
          memo,
          memo_kind: m.kind,
          ...(m.asset ? { dest_asset: m.asset } : {}),
          ...unknownToken(token),
        },
      },
    ];
  },
};

/** `TransferOut(address indexed vault, address indexed to, address asset, uint amount, string memo)`. */
export const thorchainTransferOut: Decoder = {
  name: 'thorchain.transfer_out',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 3, 'TransferOut');
    expectWords(log, 3, 'TransferOut');
    const memo = dynamicStringAt(log, 2);
    const m = parseThorMemo(memo);
    const token = tokenFields(ctx, addressAt(log, 0));
    return [
      {
        action: 'bridge_in',
        from_address: topicAddress(log, 1),
        to_address: topicAddress(log, 2),
        ...token,
        amount: uintAt(log, 1),
        counterparty_chain: '',
        bridge_ref: m.inboundHash ?? '',
        extra: { memo, memo_kind: m.kind, ...unknownToken(token) },
      },
    ];
  },
};

/**
 * `TransferOutAndCall(address indexed vault, address target, uint amount, address finalAsset, address to,
 * uint256 amountOutMin, string memo)`: native coin handed to an aggregator `target` that swaps to
 * `finalAsset` for `to`.
 */
export const thorchainTransferOutAndCall: Decoder = {
  name: 'thorchain.transfer_out_and_call',
  needsTx: false,
  decode(ctx) {
    const { log } = ctx;
    expectTopics(log, 2, 'TransferOutAndCall');
    expectWords(log, 6, 'TransferOutAndCall');
    const memo = dynamicStringAt(log, 5);
    const m = parseThorMemo(memo);
    return [
      {
        action: 'bridge_in',
        from_address: topicAddress(log, 1),
        to_address: addressAt(log, 3),
        ...tokenFields(ctx, 'native'),
        amount: uintAt(log, 1),
        counterparty_chain: '',
        bridge_ref: m.inboundHash ?? '',
        extra: { memo, memo_kind: m.kind, aggregator: addressAt(log, 0), final_asset: addressAt(log, 2), amount_out_min: uintAt(log, 4) },
      },
    ];
  },
};
