import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeContext, FlowDraft } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));

type TokenTable = Record<string, Record<string, { symbol: string; decimals: number }>>;
let table: TokenTable | undefined;

/** Token symbol/decimals from `data/tokens.json` (chain → lowercase address), or undefined. */
export function tokenMeta(chain: string, address: string): { symbol: string; decimals: number } | undefined {
  table ??= JSON.parse(readFileSync(join(here, '../data/tokens.json'), 'utf8')) as TokenTable;
  const t = table[chain]?.[address];
  return t && typeof t === 'object' ? t : undefined;
}

/**
 * The token columns of a flow for `address` on the decoding chain. The zero address means the
 * chain coin (bridges use it for ETH/BNB…). Unknown tokens keep their address with symbol ''
 * and decimals 0, and `extra.decimals_unknown` says so — amounts stay raw either way.
 */
export function tokenFields(ctx: DecodeContext, address: string): TokenColumns {
  if (address === 'native' || address === '0x0000000000000000000000000000000000000000') return nativeFields(ctx);
  const m = tokenMeta(ctx.chain.name, address);
  if (m) return { token: address, token_symbol: m.symbol, decimals: m.decimals };
  return { token: address, token_symbol: '', decimals: 0 };
}

/** The token columns of a flow. */
export type TokenColumns = Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals'>;

/** The chain coin's token columns (TRX has 6 decimals, every EVM coin here 18). */
export function nativeFields(ctx: DecodeContext): TokenColumns {
  return { token: 'native', token_symbol: ctx.chain.nativeSymbol, decimals: ctx.chain.addressFormat === 'tron' ? 6 : 18 };
}

/** `{ decimals_unknown: true }` when {@link tokenFields} could not name the token, else `{}`. */
export function unknownToken(t: TokenColumns): Record<string, unknown> {
  return t.token !== 'native' && t.token_symbol === '' ? { decimals_unknown: true } : {};
}
